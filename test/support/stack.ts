import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { request } from 'undici';

/** `npm start` as a child process, for tests of the whole stack. */
export { freePort } from '../../dev/stack/freePort';

export interface RunningStack {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

export function startStack(env: NodeJS.ProcessEnv): Promise<RunningStack> {
  const root = path.resolve(__dirname, '../..');
  const child = spawn(process.execPath, ['--import', 'tsx', 'dev/stack/main.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stack did not come up in time:\n${output}`)), 90_000);
    const check = setInterval(() => {
      if (output.includes('Press Ctrl-C to stop.')) {
        clearInterval(check);
        clearTimeout(timer);
        resolve({ child, output: () => output, exit });
      }
    }, 100);
    void exit.then((code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`stack exited with ${code} before it was up:\n${output}`));
    });
  });
}

export async function waitFor(
  url: string,
  init: Parameters<typeof request>[1] = {},
  timeoutMs = 30_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const answer = await request(url, init);
      await answer.body.dump();
      if (answer.statusCode < 500) return answer.statusCode;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
