import { spawn } from 'node:child_process';
import path from 'node:path';
import { withDevelopmentValues } from '../../src/config/config';
import { startMonstockFixture, type MonstockFixture } from '../support/monstockSandbox';
import { startStripeFixture, type StripeFixture } from '../support/stripeSandbox';
import { uniqueTaskQueue } from '../support/temporal';
import { startWorkerProcess } from '../support/workerProcess';

/** The production entry points as processes: bad configuration names the variable; SIGTERM stops them cleanly. */
const root = path.resolve(__dirname, '../..');

function run(entry: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('worker and webhook server processes', () => {
  jest.setTimeout(60_000);

  it.each(['src/worker.ts', 'src/starter/webhookServer.main.ts'])(
    '%s refuses to start without its secrets, naming each variable, and never echoes a secret',
    async (entry) => {
      const { code, output } = await run(entry, {
        STRIPE_SECRET_KEY: 'pk_live_not_a_secret_key',
        STRIPE_WEBHOOK_SECRET: 'whsec_x_value_never_printed',
      });
      expect(code).toBe(1);
      expect(output).toMatch(/MONSTOCK_API_TOKEN is required/);
      expect(output).toMatch(/MONSTOCK_WEBHOOK_SECRET is required/);
      expect(output).toMatch(/STRIPE_SECRET_KEY is invalid/);
      expect(output).not.toContain('pk_live_not_a_secret_key');
      expect(output).not.toMatch(/\n\s+at /);
    },
  );

  it.each(['src/worker.ts', 'src/starter/webhookServer.main.ts'])(
    '%s in development mode without DATABASE_URL stops before Temporal, naming DATABASE_URL and `npm start`',
    async (entry) => {
      // Every secret set to its development value, as `npm start` does, and Temporal at a closed port: only the
      // database is missing, and the process must notice it before it tries Temporal.
      const { code, output } = await run(entry, withDevelopmentValues({ TEMPORAL_ADDRESS: '127.0.0.1:1' }));
      expect(code).toBe(1);
      expect(output).toMatch(/DATABASE_URL is not set/);
      expect(output).toContain('`npm start`');
      expect(output).not.toMatch(/127\.0\.0\.1:1\b/);
    },
  );

  describe('with the sandboxes up', () => {
    let monstock: MonstockFixture;
    let stripe: StripeFixture;
    beforeAll(async () => {
      [monstock, stripe] = await Promise.all([startMonstockFixture(), startStripeFixture()]);
    });
    afterAll(async () => {
      await monstock?.close();
      await stripe?.close();
    });

    it('the worker drains and exits 0 on SIGTERM', async () => {
      const worker = await startWorkerProcess({
        taskQueue: uniqueTaskQueue('sigterm'),
        monstockApiUrl: monstock.sandbox.apiUrl,
        stripeApiUrl: stripe.url,
      });
      expect(await worker.kill('SIGTERM')).toBe(0);
    });
  });
});
