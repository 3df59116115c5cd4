import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A piece of the connector or a sandbox as its own process, its output in a log file (stdout
 * belongs to the bench's JSON). `ready` resolves when a line matches, rejects if it exits first.
 */
export interface BenchChild {
  name: string;
  process: ChildProcess;
  pid: number;
  logFile: string;
  ready: Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

const projectRoot = path.resolve(__dirname, '..');

export function startChild(
  name: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  logDir: string,
  readyLine: RegExp,
  readyTimeoutMs = 120_000,
): BenchChild {
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${name}.log`);
  const log = fs.createWriteStream(logFile);
  // BENCH_CPU_PROFILE_DIR: each child writes a V8 CPU profile there when it exits (open in Chrome DevTools).
  const profileDir = process.env.BENCH_CPU_PROFILE_DIR;
  const profile = profileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.cpuprofile`]
    : [];
  // A built entry (lib/*.js) runs on plain node, as in the image; sources through the tsx loader.
  const loader = entry.endsWith('.js') ? [] : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...profile, ...loader, path.join(projectRoot, entry)], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let seen = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} not ready after ${readyTimeoutMs} ms (see ${logFile})`)),
      readyTimeoutMs,
    );
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      if (seen.length < 100_000) {
        seen += chunk.toString();
        if (readyLine.test(seen)) {
          clearTimeout(timer);
          seen = '';
          resolve();
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${child.exitCode ?? child.signalCode} (see ${logFile})`));
    });
  });
  ready.catch(() => undefined);
  return {
    name,
    process: child,
    pid: child.pid ?? -1,
    logFile,
    ready,
    stop: async (graceMs = 15_000) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      log.end();
    },
  };
}
