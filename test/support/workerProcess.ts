import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { withDevelopmentValues } from '../../src/config';
import { TEST_MONSTOCK_TOKEN, TEST_MONSTOCK_WEBHOOK_SECRET } from './monstockSandbox';
import { TEST_STRIPE_KEY, TEST_STRIPE_WEBHOOK_SECRET } from './stripeSandbox';
import { TEST_ENCRYPTION_KEYS, testTemporalAddress } from './temporal';

/** The production worker entry point (`src/worker.ts`) as its own process, so a test can SIGKILL it. */
export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export async function startWorkerProcess(options: {
  taskQueue: string;
  monstockApiUrl: string;
  stripeApiUrl: string;
  /** More settings for the worker's environment (e.g. DATA_DIR, STRIPE_RATE_LIMIT_PER_SECOND). */
  env?: Record<string, string>;
}): Promise<WorkerProcess> {
  const root = path.resolve(__dirname, '../..');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    // A test stack: development mode (ADMIN_TOKEN and the like from the development values).
    env: withDevelopmentValues({
      CONNECTOR_MODE: 'development',
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      // The run's database (test/support/database.ts), as a deployment's DATABASE_URL.
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
      TEMPORAL_ADDRESS: testTemporalAddress(),
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      MONSTOCK_API_URL: options.monstockApiUrl,
      MONSTOCK_API_TOKEN: TEST_MONSTOCK_TOKEN,
      MONSTOCK_WEBHOOK_SECRET: TEST_MONSTOCK_WEBHOOK_SECRET,
      STRIPE_API_URL: options.stripeApiUrl,
      STRIPE_SECRET_KEY: TEST_STRIPE_KEY,
      STRIPE_WEBHOOK_SECRET: TEST_STRIPE_WEBHOOK_SECRET,
      ORDER_IDLE_WINDOW: '1 hour',
      PAYLOAD_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS.map((key) => `${key.id}:${key.key.toString('base64')}`).join(','),
      LOG_LEVEL: 'warn',
      ...options.env,
    }),
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Ready once the SDK reports the worker running (it logs state changes at INFO).
  const deadline = Date.now() + 60_000;
  while (!/state: 'RUNNING'|Worker state changed[\s\S]*RUNNING/.test(output)) {
    if (child.exitCode !== null) throw new Error(`worker exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`worker did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    child,
    output: () => output,
    kill: async (signal) => {
      child.kill(signal);
      return exited;
    },
  };
}
