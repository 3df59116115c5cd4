import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { request } from 'undici';
import { freePort as pickFreePort } from '../../dev/stack/freePort';

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

/**
 * `startStack` on ports picked again when one was taken between being picked and being bound
 * (another test file's server on the same machine): a free port is only free until someone binds it.
 */
export async function startStackOnFreshPorts<Ports>(
  pick: () => Promise<{ env: NodeJS.ProcessEnv; ports: Ports }>,
  attempts = 3,
): Promise<RunningStack & { ports: Ports }> {
  for (let attempt = 1; ; attempt += 1) {
    const { env, ports } = await pick();
    try {
      return { ...(await startStack(env)), ports };
    } catch (error) {
      if (attempt >= attempts || !/EADDRINUSE/.test((error as Error).message)) throw error;
    }
  }
}

/** The ports of one `npm start` stack, each free. */
export interface StackPorts {
  temporal: number;
  ui: number;
  webhooks: number;
  admin: number;
  monstock: number;
  stripe: number;
}

/**
 * The environment of `npm start` on free ports with its data in `dataDir`: nothing from the
 * test process's environment but PATH and HOME.
 */
export async function stackEnvOnFreePorts(dataDir: string): Promise<{ env: NodeJS.ProcessEnv; ports: StackPorts }> {
  const ports: StackPorts = {
    temporal: await pickFreePort(),
    ui: await pickFreePort(),
    webhooks: await pickFreePort(),
    admin: await pickFreePort(),
    monstock: await pickFreePort(),
    stripe: await pickFreePort(),
  };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: undefined,
    TEMPORAL_DEV_SERVER_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    PORT: String(ports.webhooks),
    ADMIN_PORT: String(ports.admin),
    MONSTOCK_SANDBOX_PORT: String(ports.monstock),
    STRIPE_SANDBOX_PORT: String(ports.stripe),
    LOG_LEVEL: 'warn',
  };
  return { env, ports };
}
