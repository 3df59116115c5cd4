import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startMonstockFixture,
  TEST_MONSTOCK_TOKEN,
  TEST_MONSTOCK_WEBHOOK_SECRET,
  type MonstockFixture,
} from '../support/monstockSandbox';
import {
  startStripeFixture,
  TEST_STRIPE_KEY,
  TEST_STRIPE_WEBHOOK_SECRET,
  type StripeFixture,
} from '../support/stripeSandbox';
import { SETTINGS } from '../../src/config/settings';
import { freePort, waitFor } from '../support/stack';
import { eventually, TEST_ENCRYPTION_KEYS, testTemporalAddress, uniqueTaskQueue } from '../support/temporal';

/**
 * The image's recipe, without Docker: `src/` compiled alone, the workflows bundled with the built
 * bundleWorkflows.js, and only production dependencies (`npm ci --omit=dev`) in a folder of its
 * own. Plain `node` runs the worker and the webhook server from there against the run's Temporal
 * and the sandboxes; an order created in Monstock gets its Stripe intent, is paid, and shows as
 * paid in Monstock, every step through those two processes; setup and the reconcile CLI run from
 * the build too. A production dependency that sits in devDependencies (or an import of sandbox/,
 * dev/ or test/ code) fails here.
 */
const root = path.resolve(__dirname, '../..');
const DEV_ONLY_PACKAGES = [
  'tsx',
  'better-sqlite3',
  'jest',
  'typescript',
  '@temporalio/testing',
  '@swc/jest',
  '@types/jest',
];

interface Finished {
  code: number | null;
  output: string;
}

/** npm's own variables (when the tests run under `npm test`) must not steer the install below. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^npm_(package_|lifecycle_|config_(omit|include|production|only|dev|global|prefix)$)/i.test(key),
    ),
  );
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

async function mustRun(what: string, command: string, args: string[], cwd: string): Promise<number> {
  const started = Date.now();
  const { code, output } = await run(command, args, cwd);
  if (code !== 0) throw new Error(`${what} failed (exit ${code}):\n${output}`);
  return Date.now() - started;
}

interface NodeProcess {
  child: ChildProcess;
  output(): string;
  exit: Promise<number | null>;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** `node <entry>` in the production folder, nothing else: no tsx, no loader, no dev dependency. */
function startNode(cwd: string, entry: string, env: NodeJS.ProcessEnv): NodeProcess {
  const child = spawn(process.execPath, [entry], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exit,
    waitForOutput: async (pattern, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(
            `${entry} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${output}`,
          );
        if (Date.now() > deadline)
          throw new Error(`${entry} did not print ${pattern} within ${timeoutMs} ms:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

/** A require or import of the embedded database module or of PGlite (a mere mention in a comment does not count). */
const LOADS_EMBEDDED_DATABASE = /(?:require\(|import\(|from)\s*["'][^"']*(?:store\/embedded|@electric-sql\/pglite)/;

/** Every .js file under `folder`, at any depth. */
function compiledFiles(folder: string): string[] {
  return fs
    .readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.js'))
    .map((name) => path.join(folder, name));
}

/** Node looks for packages in every parent folder: one there would hide a missing dependency. */
function expectNoParentNodeModules(folder: string): void {
  for (let dir = path.dirname(folder); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'node_modules')))
      throw new Error(`${dir}/node_modules exists: it would mask missing production dependencies of ${folder}`);
    if (path.dirname(dir) === dir) return;
  }
}

describe('the production build (src/ compiled, production dependencies only, plain node)', () => {
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'prod-build-'));
  const timings: Record<string, number> = {};
  const processes: NodeProcess[] = [];
  let monstock: MonstockFixture | undefined;
  let stripe: StripeFixture | undefined;

  beforeAll(async () => {
    expectNoParentNodeModules(app);
    fs.copyFileSync(path.join(root, 'package.json'), path.join(app, 'package.json'));
    fs.copyFileSync(path.join(root, 'package-lock.json'), path.join(app, 'package-lock.json'));
    // As the Dockerfile: compile src/ with tsconfig.build.json; install production dependencies only.
    const [install, build] = await Promise.all([
      mustRun('npm ci --omit=dev', 'npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], app),
      mustRun(
        'tsc -p tsconfig.build.json',
        process.execPath,
        [
          path.join(root, 'node_modules/typescript/bin/tsc'),
          '-p',
          'tsconfig.build.json',
          '--outDir',
          path.join(app, 'lib'),
        ],
        root,
      ),
    ]);
    timings.install = install;
    timings.build = build;
    // Bundled by the built script, with the production node_modules alone (the worker's bundler is a production
    // dependency).
    timings.bundle = await mustRun(
      'bundleWorkflows.js',
      process.execPath,
      ['lib/temporal/bundleWorkflows.js', 'lib/workflow-bundle.js'],
      app,
    );
  }, 480_000);

  afterAll(async () => {
    for (const running of processes)
      if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
    await Promise.all(processes.map((running) => running.exit));
    await monstock?.close();
    await stripe?.close();
    fs.rmSync(app, { recursive: true, force: true });
    process.stderr.write(
      `[productionBuild] npm ci --omit=dev ${timings.install} ms, tsc ${timings.build} ms, bundle ${timings.bundle} ms\n`,
    );
  });

  it('holds only production dependencies, and no TypeScript', () => {
    for (const name of DEV_ONLY_PACKAGES)
      expect({ name, installed: fs.existsSync(path.join(app, 'node_modules', name)) }).toEqual({
        name,
        installed: false,
      });
    for (const name of ['@temporalio/worker', '@temporalio/client', 'stripe', 'zod', 'undici'])
      expect(fs.existsSync(path.join(app, 'node_modules', name, 'package.json'))).toBe(true);
    expect(fs.existsSync(path.join(app, 'lib/worker.js'))).toBe(true);
    expect(fs.existsSync(path.join(app, 'lib/starter/webhookServer.main.js'))).toBe(true);
    expect(fs.statSync(path.join(app, 'lib/workflow-bundle.js')).size).toBeGreaterThan(100_000);
    // Only src/ was compiled: nothing of the sandboxes, the dev stack or the tests came along.
    expect(
      fs.readdirSync(path.join(app, 'lib')).filter((name) => ['sandbox', 'dev', 'test', 'src'].includes(name)),
    ).toEqual([]);
    // The embedded PGlite is for `npm start` and the tests: no module a production process runs may load it.
    const loadsEmbedded = compiledFiles(path.join(app, 'lib'))
      .filter((file) => path.relative(path.join(app, 'lib'), file) !== path.join('store', 'embedded.js'))
      .filter((file) => LOADS_EMBEDDED_DATABASE.test(fs.readFileSync(file, 'utf8')))
      .map((file) => path.relative(app, file));
    expect(loadsEmbedded).toEqual([]);
  });

  it('refuses, built and with CONNECTOR_MODE unset, the secrets written in the repository, naming each variable', async () => {
    const repositoryValues = {
      PAYLOAD_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS.map((key) => `${key.id}:${key.key.toString('base64')}`).join(','),
      MONSTOCK_API_TOKEN: TEST_MONSTOCK_TOKEN,
      MONSTOCK_WEBHOOK_SECRET: TEST_MONSTOCK_WEBHOOK_SECRET,
      STRIPE_SECRET_KEY: TEST_STRIPE_KEY,
      STRIPE_WEBHOOK_SECRET: TEST_STRIPE_WEBHOOK_SECRET,
      ADMIN_TOKEN: SETTINGS.ADMIN_TOKEN.developmentValue,
    };
    for (const entry of ['lib/worker.js', 'lib/starter/webhookServer.main.js']) {
      const refused = await run(process.execPath, [entry], app, {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'production',
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        ...repositoryValues,
      });
      expect({ entry, code: refused.code }).toEqual({ entry, code: 1 });
      for (const [name, value] of Object.entries(repositoryValues)) {
        expect(refused.output).toMatch(new RegExp(`${name} is a development or test value`));
        expect(refused.output).not.toContain(value);
      }
    }
  });

  it('runs the worker and the webhook server with plain node: they answer, carry an order to paid, and stop on SIGTERM', async () => {
    const port = await freePort();
    const connectionId = `prod-${randomBytes(4).toString('hex')}`;
    const webhookBase = `http://127.0.0.1:${port}/webhooks`;
    // Production mode (CONNECTOR_MODE unset) refuses every secret written in the repository, the test
    // fixtures' included: this run uses secrets of its own, as an operator would.
    const secrets = {
      monstockToken: `mtok-${randomBytes(16).toString('hex')}`,
      monstockWebhook: `mwh-${randomBytes(16).toString('hex')}`,
      stripeKey: `sk_test_${randomBytes(16).toString('hex')}`,
      stripeWebhook: `whsec_${randomBytes(16).toString('hex')}`,
      payloadKeys: `prod-${randomBytes(4).toString('hex')}:${randomBytes(32).toString('base64')}`,
      adminToken: randomBytes(32).toString('hex'),
    };
    [monstock, stripe] = await Promise.all([
      startMonstockFixture({
        webhookUrl: `${webhookBase}/monstock/${connectionId}`,
        credentials: { apiToken: secrets.monstockToken, webhookSecret: secrets.monstockWebhook },
      }),
      startStripeFixture({
        webhookUrl: `${webhookBase}/stripe/${connectionId}`,
        credentials: { secretKey: secrets.stripeKey, webhookSecret: secrets.stripeWebhook },
      }),
    ]);
    // Only what an operator would set: no development values exist outside `npm start`.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      CONNECTION_ID: connectionId,
      TEMPORAL_ADDRESS: testTemporalAddress(),
      TEMPORAL_NAMESPACE: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('production-build'),
      PAYLOAD_ENCRYPTION_KEYS: secrets.payloadKeys,
      MONSTOCK_API_URL: monstock.sandbox.apiUrl,
      MONSTOCK_API_TOKEN: secrets.monstockToken,
      MONSTOCK_WEBHOOK_SECRET: secrets.monstockWebhook,
      STRIPE_SECRET_KEY: secrets.stripeKey,
      STRIPE_API_URL: stripe.url,
      STRIPE_WEBHOOK_SECRET: secrets.stripeWebhook,
      ADMIN_TOKEN: secrets.adminToken,
      ADMIN_PORT: String(await freePort()),
      ORDER_IDLE_WINDOW: '1 hour',
      // The run's database (test/support/database.ts), as an operator's PostgreSQL. No DATA_DIR: the production
      // processes keep their state there and nothing on local disk.
      DATABASE_URL: process.env.DATABASE_URL,
      HOST: '127.0.0.1',
      PORT: String(port),
      WORKFLOW_BUNDLE_PATH: path.join(app, 'lib/workflow-bundle.js'),
      LOG_LEVEL: 'info',
    };

    // As docker-compose does before the two services: setup registers the search attributes (idempotent).
    const setup = await run(process.execPath, ['lib/starter/setup.js'], app, env);
    expect(setup).toMatchObject({ code: 0, output: expect.stringContaining('"msg":"search attributes ready"') });

    const from = new Date(Date.now() - 1000).toISOString();
    const worker = startNode(app, 'lib/worker.js', env);
    const webhooks = startNode(app, 'lib/starter/webhookServer.main.js', env);
    processes.push(worker, webhooks);
    await Promise.all([
      worker.waitForOutput(/"msg":"worker started"/),
      webhooks.waitForOutput(/"msg":"webhook server listening"/),
    ]);
    // The prepared bundle was used: no webpack run at start.
    expect(worker.output()).not.toMatch(/WORKFLOW_BUNDLE_PATH names no file|Workflow bundle created/);
    expect(await waitFor(`http://127.0.0.1:${port}/healthz`)).toBe(200);
    expect(await waitFor(`http://127.0.0.1:${port}/readyz`)).toBe(200);

    // Monstock → Stripe: the order's webhook reaches the production webhook server, the production
    // worker creates the intent and writes its id back to Monstock.
    const order = await monstock.createOrder(3300);
    const intentId = await eventually(
      async () => (await monstock!.client.getOrder(order.id)).externalRefs.stripePaymentIntentId,
      60_000,
      250,
    );
    // Stripe → Monstock: the customer pays; Stripe's signed webhook goes the same way back.
    const paid = await stripe.stripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa' });
    expect(paid.status).toBe('succeeded');
    const settled = await eventually(
      async () => {
        const current = await monstock!.client.getOrder(order.id);
        return current.paymentStatus === 'paid' ? current : undefined;
      },
      60_000,
      250,
    );
    expect(settled).toMatchObject({ amountPaid: 3300, amountRefunded: 0 });
    expect(
      settled.payments.map((payment) => ({
        kind: payment.kind,
        transactionRef: payment.transactionRef,
        amount: payment.amount,
        status: payment.status,
      })),
    ).toEqual([{ kind: 'payment', transactionRef: intentId, amount: 3300, status: 'succeeded' }]);

    // The reconcile CLI, built too, asks the production worker to compare both sides: they agree.
    const reconcile = await run(
      process.execPath,
      [
        'lib/starter/reconcile/main.js',
        '--from',
        from,
        '--to',
        new Date(Date.now() + 1000).toISOString(),
        '--json',
        '--report-only',
      ],
      app,
      env,
    );
    expect({ code: reconcile.code, output: reconcile.code === 0 ? '' : reconcile.output }).toEqual({
      code: 0,
      output: '',
    });
    const report = JSON.parse(
      reconcile.output
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .pop()!,
    ) as { unresolved: number };
    expect(report.unresolved).toBe(0);

    worker.child.kill('SIGTERM');
    webhooks.child.kill('SIGTERM');
    expect(await webhooks.exit).toBe(0);
    expect(await worker.exit).toBe(0);
    expect(worker.output()).toContain('"msg":"worker stopped"');
    for (const output of [worker.output(), webhooks.output()])
      expect(output).not.toMatch(/Cannot find module|MODULE_NOT_FOUND|ERR_UNKNOWN_FILE_EXTENSION/);
    // Their state went to the database: nothing was written to the default DATA_DIR (./data) of their folder.
    expect(fs.existsSync(path.join(app, 'data'))).toBe(false);
  }, 180_000);
});
