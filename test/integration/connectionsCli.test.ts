import { spawn } from 'node:child_process';
import path from 'node:path';
import { WORK_BY_WORKER } from '../../src/connections/work';
import { withDevelopmentValues } from '../../src/config';
import { CONNECT_ENDPOINT_SECRET_ID } from '../../src/starter/stripe/connectSecrets';
import { listManagedEndpoints } from '../../src/starter/stripe/webhookEndpoint';
import { openDatabase } from '../../src/store/database';
import { deleteManagedSecret, loadManagedSecret } from '../../src/store/managedSecrets';
import { startStripeFixture, type StripeFixture } from '../support/stripeSandbox';
import { TEST_ENCRYPTION_KEYS } from '../support/temporal';

/**
 * `npm run connections` as an operator runs it: a child process on the run's database and the
 * Stripe sandbox, its --json answers parsed, its exit codes checked, no secret in anything it prints.
 */
const PUBLIC_URL = 'https://connector.example.test';
const id = `cli-${process.pid}`;
const connectId = `cli-${process.pid}-connect`;
const monstockToken = `cli-monstock-token-${process.pid}`;
const monstockWebhookSecret = `cli-monstock-webhook-secret-${process.pid}`;
const stripeKey = `sk_test_cli_${process.pid}_account`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('npm run connections', () => {
  let fixture: StripeFixture;
  const outputs: string[] = [];

  beforeAll(async () => {
    fixture = await startStripeFixture();
  });
  afterAll(async () => {
    await fixture?.close();
  });
  afterEach(() => {
    // Whatever the CLI printed, on either stream: never a secret.
    for (const text of outputs)
      for (const secret of [monstockToken, monstockWebhookSecret, stripeKey]) expect(text).not.toContain(secret);
    outputs.length = 0;
  });

  function cli(args: string[]): Promise<Run> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/starter/connections/main.ts', ...args], {
        cwd: path.resolve(__dirname, '../..'),
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          // Next to a test stack: development mode, asked for by name (production refuses test values).
          CONNECTOR_MODE: 'development',
          DATABASE_URL: process.env.DATABASE_URL,
          PAYLOAD_ENCRYPTION_KEYS: `test-1:${TEST_ENCRYPTION_KEYS[0]!.key.toString('base64')}`,
          STRIPE_API_URL: fixture.url,
          PUBLIC_WEBHOOK_URL: PUBLIC_URL,
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('exit', (code) => {
        outputs.push(stdout, stderr);
        resolve({ code, stdout, stderr });
      });
    });
  }

  const addArgs = (connectionId: string, stripe: string[]) => [
    'add',
    '--id',
    connectionId,
    '--monstock-url',
    'http://127.0.0.1:4999/v1',
    '--monstock-token',
    monstockToken,
    '--monstock-webhook-secret',
    monstockWebhookSecret,
    ...stripe,
    '--json',
  ];

  it('adds a connection by key: JSON without secrets, its webhook URLs, its managed Stripe endpoint', async () => {
    const added = await cli(addArgs(id, ['--stripe-key', stripeKey]));
    expect(added.code).toBe(0);
    const view = JSON.parse(added.stdout) as Record<string, unknown>;
    expect(view).toMatchObject({
      id,
      status: 'active',
      source: 'registry',
      monstockUrl: 'http://127.0.0.1:4999/v1',
      stripe: { kind: 'key', livemode: false },
      webhooks: { monstock: `${PUBLIC_URL}/webhooks/monstock/${id}`, stripe: `${PUBLIC_URL}/webhooks/stripe/${id}` },
      work: WORK_BY_WORKER,
      stripeEndpoint: { registered: true, action: 'created' },
    });
    const endpoints = await listManagedEndpoints(fixture.clientFor(stripeKey), id);
    expect(endpoints.map((endpoint) => endpoint.url)).toEqual([`${PUBLIC_URL}/webhooks/stripe/${id}`]);

    // A second add of the id is refused: update changes a connection.
    const again = await cli(addArgs(id, ['--stripe-key', stripeKey]));
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists: use update/);
  });

  it('adds a connected account on the platform’s Connect endpoint', async () => {
    const added = await cli(addArgs(connectId, ['--stripe-account', 'acct_1CliConnect']));
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({
      id: connectId,
      stripe: { kind: 'connect', account: 'acct_1CliConnect' },
      webhooks: { stripe: `${PUBLIC_URL}/webhooks/stripe-connect` },
      stripeEndpoint: { registered: true, action: 'created' },
    });
    // The platform's one Connect endpoint, under the platform key, its secret stored for every replica.
    const platform = fixture.clientFor(withDevelopmentValues({}).STRIPE_SECRET_KEY!);
    const [endpoint, ...others] = await listManagedEndpoints(platform, CONNECT_ENDPOINT_SECRET_ID);
    expect(others).toEqual([]);
    expect(endpoint?.url).toBe(`${PUBLIC_URL}/webhooks/stripe-connect`);
    const database = await openDatabase(process.env.DATABASE_URL!);
    try {
      const stored = await loadManagedSecret(database, TEST_ENCRYPTION_KEYS, CONNECT_ENDPOINT_SECRET_ID);
      expect(stored?.endpointId).toBe(endpoint!.id);
    } finally {
      await database.end();
    }

    // A second connected account shares it: nothing new in Stripe.
    const second = await cli(addArgs(`${connectId}-2`, ['--stripe-account', 'acct_1CliConnectTwo']));
    expect(JSON.parse(second.stdout)).toMatchObject({ stripeEndpoint: { registered: true, action: 'unchanged' } });
    expect((await listManagedEndpoints(platform, CONNECT_ENDPOINT_SECRET_ID)).map((item) => item.id)).toEqual([
      endpoint!.id,
    ]);
    expect((await cli(['remove', '--id', `${connectId}-2`, '--json'])).code).toBe(0);
  });

  it('lists, shows, updates, pauses and resumes', async () => {
    const listed = await cli(['list', '--json']);
    expect(listed.code).toBe(0);
    const views = JSON.parse(listed.stdout) as Array<{ id: string; source: string }>;
    expect(Array.isArray(views)).toBe(true);
    expect(views[0]).toMatchObject({ id: 'default', source: 'environment' });
    expect(views.map((view) => view.id)).toEqual(expect.arrayContaining([id, connectId]));

    const updated = await cli([
      'update',
      '--id',
      id,
      '--capture',
      'on_shipment',
      '--reconciliation-at',
      '03:15',
      '--json',
    ]);
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({
      settings: { capture: 'on_shipment', reconciliationAt: '03:15' },
      version: 2,
    });

    const paused = await cli(['pause', '--id', id, '--json']);
    expect(JSON.parse(paused.stdout)).toMatchObject({ id, status: 'paused' });
    const shown = await cli(['show', '--id', id, '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id, status: 'paused', settings: { capture: 'on_shipment' } });
    const resumed = await cli(['resume', '--id', id, '--json']);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ id, status: 'active' });

    // Without --json: for people, still without secrets.
    const human = await cli(['show', '--id', id]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`${PUBLIC_URL}/webhooks/stripe/${id}`);
  });

  it('exits 2 with a clear message on bad input', async () => {
    // Each layer once (the flags themselves are unit-tested in test/unit/connectionsArgs.test.ts).
    const cases: Array<[string[], RegExp]> = [
      [['frobnicate'], /unknown command/],
      [addArgs(`${id}-both`, ['--stripe-key', stripeKey, '--stripe-account', 'acct_1Both']), /exactly one/],
      [['update', '--id', id, '--capture', 'sometimes', '--json'], /settings\.capture/],
      [['show', '--id', `${id}-missing`, '--json'], /no connection/],
      [['pause', '--id', 'default'], /environment variables/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(args);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe('');
    }
  });

  it('removes: gone from list, its Stripe endpoint deleted', async () => {
    const removed = await cli(['remove', '--id', id, '--json']);
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toMatchObject({ id, removed: true, stripeEndpointsDeleted: 1 });
    expect(await listManagedEndpoints(fixture.clientFor(stripeKey), id)).toEqual([]);
    const listed = JSON.parse((await cli(['list', '--json'])).stdout) as Array<{ id: string }>;
    expect(listed.map((view) => view.id)).not.toContain(id);
    expect((await cli(['remove', '--id', id, '--json'])).code).toBe(2);
    expect((await cli(['remove', '--id', connectId, '--json'])).code).toBe(0);
    // The platform's Connect endpoint stays for later connected accounts; the run's database is
    // shared, so its secret (of this file's sandbox) goes.
    const database = await openDatabase(process.env.DATABASE_URL!);
    await deleteManagedSecret(database, CONNECT_ENDPOINT_SECRET_ID).finally(() => database.end());
  });
});
