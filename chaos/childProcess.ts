import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * One piece of the connector (worker, webhook server) as its own process, exactly as production
 * runs it, so the chaos run can SIGKILL it. Its output goes to a log file, and the last lines
 * are kept for error messages.
 */
export interface ConnectorChild {
  name: string;
  process: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running(): boolean;
  tail(): string;
  /** Resolves once a line of output matches; rejects if the process exits or the time runs out. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export const PROJECT_ROOT = path.resolve(__dirname, '..');

export function startConnectorChild(
  name: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
): ConnectorChild {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, entry)], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  let recent = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    recent = (recent + chunk.toString()).slice(-20_000);
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      log.end();
      for (const listener of listeners) listener();
      resolve({ code, signal });
    }),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    process: child,
    exited,
    running,
    tail: () => recent.split('\n').slice(-30).join('\n'),
    waitFor: (pattern, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          listeners.delete(check);
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          if (pattern.test(recent)) done();
          else if (!running())
            done(new Error(`${name} exited before it was ready:\n${recent.split('\n').slice(-30).join('\n')}`));
        };
        const timer = setTimeout(
          () =>
            done(new Error(`${name} not ready within ${timeoutMs} ms:\n${recent.split('\n').slice(-30).join('\n')}`)),
          timeoutMs,
        );
        listeners.add(check);
        check();
      }),
    kill: async (signal) => {
      if (!running()) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
