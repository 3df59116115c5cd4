import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { withDevelopmentValues } from '../../src/config';
import { freePort, startStack, waitFor, type RunningStack } from '../support/stack';

/** Lines of webpack's stats output: `asset workflow-bundle-….js`, `modules by path …`, `… [built] [code generated]`. */
const WEBPACK_LISTING =
  /asset workflow-bundle-|modules by path|runtime modules|\[built\]|\[code generated\]|webpack \d+\.\d+\.\d+ compiled/;

async function waitForOutput(stack: RunningStack, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(stack.output())) {
    if (Date.now() > deadline)
      throw new Error(`no ${pattern} in the output within ${timeoutMs} ms:\n${stack.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The README's first command, for real: the stack comes up on free ports, prints its URLs with
 * the Web UI first, every piece answers, and Ctrl-C stops it all cleanly. A second start on the
 * same data folder finds the data of the first. Its output is what a person needs: no webpack
 * module listing of the workflow bundle.
 */
describe('npm start', () => {
  jest.setTimeout(180_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-'));

  it('brings up the whole stack, prints the Web UI first, and stops cleanly on Ctrl-C, keeping its data', async () => {
    const ports = {
      temporal: await freePort(),
      ui: await freePort(),
      webhooks: await freePort(),
      admin: await freePort(),
      monstock: await freePort(),
      stripe: await freePort(),
    };
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: undefined,
      TEMPORAL_UI_PORT: String(ports.ui),
      PORT: String(ports.webhooks),
      ADMIN_PORT: String(ports.admin),
      MONSTOCK_SANDBOX_PORT: String(ports.monstock),
      STRIPE_SANDBOX_PORT: String(ports.stripe),
      LOG_LEVEL: 'warn',
    };
    env.TEMPORAL_DEV_SERVER_PORT = String(ports.temporal);

    const stack = await startStack(env);
    const lines = stack
      .output()
      .split('\n')
      .filter((line) => /^\s{2}\S/.test(line));
    expect(lines[0]).toMatch(new RegExp(`Temporal Web UI\\s+http://127.0.0.1:${ports.ui}`));
    expect(stack.output()).toContain(`http://127.0.0.1:${ports.monstock}/v1`);
    expect(stack.output()).toContain(`http://127.0.0.1:${ports.stripe}`);

    expect(await waitFor(`http://127.0.0.1:${ports.ui}/`)).toBe(200);
    expect(await waitFor(`http://127.0.0.1:${ports.webhooks}/readyz`)).toBe(200);
    const dev = withDevelopmentValues({});
    const created = await request(`http://127.0.0.1:${ports.monstock}/v1/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${dev.MONSTOCK_API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'stack@example.test', name: 'Stack Test' }),
    });
    expect(created.statusCode).toBe(201);
    const customer = (await created.body.json()) as { id: string };
    const stripeAnswer = await request(`http://127.0.0.1:${ports.stripe}/v1/customers`, {
      headers: { authorization: `Bearer ${dev.STRIPE_SECRET_KEY}` },
    });
    expect(stripeAnswer.statusCode).toBe(200);
    await stripeAnswer.body.dump();

    // The worker bundles its workflows at start; once it runs, the bundler has said all it will.
    await waitForOutput(stack, /\[worker\].*state: 'RUNNING'|"msg":"worker started"/);
    stack.child.kill('SIGINT');
    expect(await stack.exit).toBe(0);
    expect(stack.output()).toContain('Stopped.');
    // What a person needs, not webpack's module listing of the workflow bundle (that is LOG_LEVEL=debug).
    expect(stack.output()).not.toMatch(WEBPACK_LISTING);

    const again = await startStack(env);
    const found = await request(`http://127.0.0.1:${ports.monstock}/v1/customers/${customer.id}`, {
      headers: { authorization: `Bearer ${dev.MONSTOCK_API_TOKEN}` },
    });
    expect(found.statusCode).toBe(200);
    await found.body.dump();
    again.child.kill('SIGTERM');
    expect(await again.exit).toBe(0);
  });
});
