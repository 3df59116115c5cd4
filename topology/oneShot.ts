import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../chaos/childProcess';

/**
 * Runs one of the connector's commands to completion (`npm run setup`'s entry point), as an
 * operator or a deploy job would, with the topology's environment; its output goes to a log file.
 */
export async function runToCompletion(
  entry: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, entry)], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  let recent = '';
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    recent = (recent + chunk.toString()).slice(-5000);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  log.end();
  if (code !== 0) throw new Error(`${entry} exited with ${code}:\n${recent.trim().split('\n').slice(-10).join('\n')}`);
}
