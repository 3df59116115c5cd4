import type http from 'node:http';
import type { Client } from '@temporalio/client';
import { loadConfig, withDevelopmentValues, type ConnectorConfig } from '../../src/config';
import { ConnectionRegistry } from '../../src/connections/registry';
import { ConnectionError, ConnectionService } from '../../src/connections/service';
import { startConnectionWork, stopConnectionWork, WORK_BY_WORKER } from '../../src/connections/work';
import { createLogger } from '../../src/observability/logger';
import { customerSyncWorkflowId, orderFeedWorkflowId, reconciliationScheduleId } from '../../src/shared/ids';
import { createAdminServer } from '../../src/starter/admin/adminServer';
import { createAdminAuthenticator } from '../../src/starter/admin/authenticator';
import { createConnectionsApi } from '../../src/starter/admin/connectionsApi';
import { listManagedEndpoints } from '../../src/starter/stripe/webhookEndpoint';
import { openDatabase, type Database } from '../../src/store/database';
import { loadManagedSecret } from '../../src/store/managedSecrets';
import { EncryptionCodec } from '../../src/temporal/codec/encryptionCodec';
import { startStripeFixture, type StripeFixture } from '../support/stripeSandbox';
import { connectTestClient, TEST_ENCRYPTION_KEYS, uniqueTaskQueue } from '../support/temporal';

/**
 * The connection registry on the run's database, the Stripe sandbox (one account per key) and the
 * run's Temporal: secrets encrypted at rest, the cache, the managed endpoint per connection, the
 * admin API, and a connection's always-on work started and stopped.
 */
const logger = createLogger({ level: 'error' });
const PUBLIC_URL = 'https://connector.example.test';
const ADMIN_TOKEN = 'registry-test-admin-token-0123456789abcdef';
// Each test's ids carry this prefix: the run's database is shared with other test files.
const prefix = `reg-${process.pid}`;

const secretsOf = (n: number) => ({
  monstockToken: `monstock-token-${prefix}-${n}`,
  monstockWebhookSecret: `monstock-webhook-secret-${prefix}-${n}`,
  stripeKey: `sk_test_registry_${process.pid}_${n}`,
});

describe('connection registry', () => {
  let fixture: StripeFixture;
  let database: Database;
  let config: ConnectorConfig;
  let service: ConnectionService;

  beforeAll(async () => {
    fixture = await startStripeFixture();
    database = await openDatabase(process.env.DATABASE_URL!);
    config = loadConfig(
      withDevelopmentValues({
        DATABASE_URL: process.env.DATABASE_URL,
        PAYLOAD_ENCRYPTION_KEYS: `test-1:${TEST_ENCRYPTION_KEYS[0]!.key.toString('base64')}`,
        STRIPE_API_URL: fixture.url,
        PUBLIC_WEBHOOK_URL: PUBLIC_URL,
        STRIPE_CAPTURE: 'automatic',
      }),
    );
    service = new ConnectionService({ database, config, logger });
  });
  afterAll(async () => {
    await database?.end();
    await fixture?.close();
  });

  function addInput(id: string, n: number, extra: Record<string, unknown> = {}) {
    const secrets = secretsOf(n);
    return { id, monstockUrl: 'http://127.0.0.1:4999/v1/', ...secrets, ...extra };
  }

  it('stores secrets encrypted, answers without them, and registers the connection’s Stripe endpoint', async () => {
    const id = `${prefix}-a`;
    const secrets = secretsOf(1);
    const added = await service.add(addInput(id, 1, { settings: { capture: 'on_shipment' } }));

    expect(added).toMatchObject({
      id,
      source: 'registry',
      status: 'active',
      monstockUrl: 'http://127.0.0.1:4999/v1',
      stripe: { kind: 'key', livemode: false },
      settings: { capture: 'on_shipment' },
      webhooks: { monstock: `${PUBLIC_URL}/webhooks/monstock/${id}`, stripe: `${PUBLIC_URL}/webhooks/stripe/${id}` },
      version: 1,
      work: WORK_BY_WORKER,
      stripeEndpoint: { registered: true, action: 'created' },
    });
    const shown = JSON.stringify(added);
    for (const secret of Object.values(secrets)) expect(shown).not.toContain(secret);

    // At rest: the whole row as text holds none of the secrets, and names the key that encrypted them.
    const raw = await database.query<{ row: string; key_id: string }>(
      `SELECT row_to_json(c)::text AS row, secrets_key_id AS key_id FROM connections c WHERE id = $1`,
      [id],
    );
    expect(raw.rows[0]!.key_id).toBe('test-1');
    for (const secret of Object.values(secrets)) {
      expect(raw.rows[0]!.row).not.toContain(secret);
      expect(raw.rows[0]!.row).not.toContain(Buffer.from(secret).toString('hex'));
    }

    // The endpoint lives in the connection's own Stripe account (its key), its secret in the store.
    const own = await listManagedEndpoints(fixture.clientFor(secrets.stripeKey), id);
    expect(own.map((endpoint) => endpoint.url)).toEqual([`${PUBLIC_URL}/webhooks/stripe/${id}`]);
    expect(await listManagedEndpoints(fixture.stripe, id)).toEqual([]);
    expect((await loadManagedSecret(database, config.temporal.encryptionKeys, id))?.endpointId).toBe(own[0]!.id);

    // Resolved: its own secrets and capture, every other setting from the process.
    const resolved = await service.registry.getConnection(id);
    expect(resolved).toMatchObject({
      monstock: { apiToken: secrets.monstockToken, webhookSecrets: [secrets.monstockWebhookSecret] },
      stripe: { secretKey: secrets.stripeKey, account: undefined },
      orders: { capture: 'on_shipment', createPaymentIntents: config.orders.createPaymentIntents },
      reconciliation: { at: config.reconciliation.at, timeZone: config.reconciliation.timeZone },
    });
    // The environment's connection is `default`, resolved from the environment.
    expect(await service.registry.getConnection('default')).toMatchObject({
      source: 'environment',
      stripe: { secretKey: config.stripe.secretKey },
    });
  });

  it('refuses bad input with a clear reason and a second add of the same id', async () => {
    const id = `${prefix}-b`;
    await service.add(addInput(id, 2, { stripeKey: undefined, stripeAccount: 'acct_1RegistryB' }));
    await expect(service.add(addInput(id, 2))).rejects.toMatchObject({ kind: 'conflict', message: /use update/ });
    await expect(service.add(addInput('default', 3))).rejects.toMatchObject({ kind: 'bad_input' });
    await expect(service.add(addInput('Bad Id', 3))).rejects.toMatchObject({ kind: 'bad_input', message: /^id:/ });
    await expect(service.add(addInput(`${prefix}-c`, 3, { stripeAccount: 'acct_1X' }))).rejects.toMatchObject({
      kind: 'bad_input',
      message: /exactly one/,
    });
    await expect(service.add(addInput(`${prefix}-c`, 3, { stripeKey: 'pk_test_123456789' }))).rejects.toMatchObject({
      kind: 'bad_input',
      message: /stripeKey/,
    });
    await expect(
      service.add(addInput(`${prefix}-c`, 3, { settings: { capture: 'sometimes' } })),
    ).rejects.toBeInstanceOf(ConnectionError);
    expect(await service.registry.getConnection(`${prefix}-c`)).toBeUndefined();

    // A connected account: no endpoint of its own, the platform's Connect endpoint.
    const shown = await service.show(id);
    expect(shown).toMatchObject({
      stripe: { kind: 'connect', account: 'acct_1RegistryB' },
      webhooks: { stripe: `${PUBLIC_URL}/webhooks/stripe-connect` },
    });
  });

  it('updates, pauses, resumes and removes; removal deletes the secrets and the endpoint', async () => {
    const id = `${prefix}-d`;
    const first = secretsOf(4);
    await service.add(addInput(id, 4));
    const updated = await service.update(id, {
      settings: { reconciliationAt: '03:30' },
      monstockToken: 'rotated-token-xyz',
    });
    expect(updated).toMatchObject({ version: 2, settings: { reconciliationAt: '03:30' } });
    expect((await service.registry.getConnection(id))?.monstock.apiToken).toBe('rotated-token-xyz');
    await expect(service.update(id, {})).rejects.toMatchObject({ kind: 'bad_input', message: /nothing to change/ });

    expect(await service.setStatus(id, 'paused')).toMatchObject({ status: 'paused', version: 3 });
    expect(await service.setStatus(id, 'paused')).toMatchObject({ status: 'paused', version: 3 });
    expect(await service.setStatus(id, 'active')).toMatchObject({ status: 'active', version: 4 });

    const removed = await service.remove(id);
    expect(removed).toMatchObject({ id, removed: true, stripeEndpointsDeleted: 1 });
    expect(await listManagedEndpoints(fixture.clientFor(first.stripeKey), id)).toEqual([]);
    expect(await loadManagedSecret(database, config.temporal.encryptionKeys, id)).toBeUndefined();
    const row = await database.query(
      'SELECT status, secrets_ciphertext, secrets_key_id FROM connections WHERE id = $1',
      [id],
    );
    expect(row.rows[0]).toEqual({ status: 'removed', secrets_ciphertext: null, secrets_key_id: null });
    expect((await service.list()).map((view) => view.id)).not.toContain(id);
    await expect(service.show(id)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(service.remove(id)).rejects.toMatchObject({ kind: 'not_found' });

    // The id may be added again (its old histories keep naming it).
    expect(await service.add(addInput(id, 5))).toMatchObject({ id, status: 'active', version: 6 });
  });

  it('serves from its cache until it is older than its age, and at once after refresh', async () => {
    let now = 1_000_000;
    const registry = new ConnectionRegistry({ database, config, maxAgeMs: 5_000, now: () => now });
    const id = `${prefix}-e`;
    expect(await registry.getConnection(id)).toBeUndefined();
    // Added by another process (another service, its own cache).
    await new ConnectionService({ database, config, logger }).add(addInput(id, 6));
    now += 4_000;
    expect(await registry.getConnection(id)).toBeUndefined();
    now += 1_001;
    expect((await registry.getConnection(id))?.version).toBe(1);

    await service.update(id, { settings: { capture: 'on_shipment' } });
    expect((await registry.getConnection(id))?.orders.capture).toBe(config.orders.capture);
    await registry.refresh();
    expect((await registry.getConnection(id))?.orders.capture).toBe('on_shipment');
    expect((await registry.listConnections())[0]!.id).toBe('default');
  });

  describe('admin API', () => {
    let server: http.Server;
    let base: string;

    beforeAll(async () => {
      server = createAdminServer({
        logger,
        authenticate: createAdminAuthenticator({ token: ADMIN_TOKEN, oidc: undefined }),
        pages: { handlerFor: () => undefined },
        metrics: async () => ({ status: 200, contentType: 'text/plain', body: '' }),
        codec: { codec: new EncryptionCodec(TEST_ENCRYPTION_KEYS), corsOrigins: [] },
        connections: createConnectionsApi(service),
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server?.close(resolve));
    });

    // token null: no Authorization header at all.
    const call = async (method: string, path: string, body?: unknown, token: string | null = ADMIN_TOKEN) => {
      const answer = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await answer.text();
      return { status: answer.status, text, json: JSON.parse(text) as Record<string, unknown> };
    };

    it('answers nothing without the token', async () => {
      for (const [method, path] of [
        ['GET', '/connections'],
        ['POST', '/connections'],
        ['DELETE', `/connections/${prefix}-a`],
      ] as const) {
        expect((await call(method, path, undefined, null)).status).toBe(401);
        expect((await call(method, path, undefined, 'wrong-token-wrong-token-wrong-token')).status).toBe(401);
      }
      // Nothing was removed by the refused call.
      expect(await service.registry.getConnection(`${prefix}-a`)).toBeDefined();
    });

    it('adds, lists, shows, patches, pauses, resumes and deletes, never showing a secret', async () => {
      const id = `${prefix}-api`;
      const input = addInput(id, 7);
      const created = await call('POST', '/connections', input);
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ id, webhooks: { stripe: `${PUBLIC_URL}/webhooks/stripe/${id}` } });

      const listed = await call('GET', '/connections');
      expect(listed.status).toBe(200);
      expect((listed.json as unknown as Array<{ id: string }>).map((view) => view.id)).toEqual(
        expect.arrayContaining(['default', id]),
      );
      expect((await call('GET', `/connections/${id}`)).json).toMatchObject({ id, status: 'active' });
      expect((await call('PATCH', `/connections/${id}`, { settings: { capture: 'on_shipment' } })).json).toMatchObject({
        settings: { capture: 'on_shipment' },
      });
      expect((await call('POST', `/connections/${id}/pause`)).json).toMatchObject({ status: 'paused' });
      expect((await call('POST', `/connections/${id}/resume`)).json).toMatchObject({ status: 'active' });
      const answers = [created.text, listed.text, (await call('GET', `/connections/${id}`)).text];
      for (const text of answers)
        for (const secret of [
          input.monstockToken,
          input.monstockWebhookSecret,
          input.stripeKey,
          config.stripe.secretKey,
        ])
          expect(text).not.toContain(secret);

      expect((await call('DELETE', `/connections/${id}`)).json).toMatchObject({ id, removed: true });
      expect((await call('GET', `/connections/${id}`)).status).toBe(404);
    });

    it('answers 4xx with the reason for bad input', async () => {
      const bad = await call('POST', '/connections', { id: `${prefix}-x`, monstockUrl: 'not a url' });
      expect(bad.status).toBe(400);
      expect(bad.json.error).toMatch(/monstockUrl/);
      expect((await call('POST', '/connections', '{not json')).status).toBe(400);
      expect((await call('POST', '/connections', addInput(`${prefix}-a`, 1))).status).toBe(409);
      expect((await call('GET', '/connections/Not_Valid')).status).toBe(400);
      expect((await call('PATCH', `/connections/${prefix}-nope`, { monstockToken: 'whatever-token' })).status).toBe(
        404,
      );
      expect((await call('PUT', '/connections')).status).toBe(405);
      expect((await call('PATCH', '/connections/default', { monstockToken: 'whatever-token' })).status).toBe(400);
    });
  });

  describe('a connection’s always-on work', () => {
    let client: Client;
    beforeAll(async () => {
      client = await connectTestClient();
    });
    afterAll(async () => {
      await client?.connection.close();
    });

    it('starts the order feed, customer sync and schedule under the connection’s ids, and stops them', async () => {
      const id = `${prefix}-work`;
      await service.add(addInput(id, 8, { settings: { reconciliationAt: '04:15' } }));
      const connection = (await service.registry.getConnection(id))!;
      // No worker polls this queue: the workflows only need to exist.
      const taskQueue = uniqueTaskQueue('connections-work');
      await startConnectionWork(client, connection, taskQueue);
      await startConnectionWork(client, connection, taskQueue); // idempotent

      for (const workflowId of [orderFeedWorkflowId(id), customerSyncWorkflowId(id)]) {
        const description = await client.workflow.getHandle(workflowId).describe();
        expect(description.status.name).toBe('RUNNING');
        // The input names the connection only: no secret travels into Temporal.
        expect(JSON.stringify(description.raw)).not.toContain(connection.monstock.apiToken);
      }
      const schedule = await client.schedule.getHandle(reconciliationScheduleId(id)).describe();
      expect(schedule.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 4, end: 4, step: 1 }] });

      await stopConnectionWork(client, id, 'connection removed');
      await stopConnectionWork(client, id, 'connection removed'); // idempotent
      for (const workflowId of [orderFeedWorkflowId(id), customerSyncWorkflowId(id)])
        expect((await client.workflow.getHandle(workflowId).describe()).status.name).toBe('TERMINATED');
      await expect(client.schedule.getHandle(reconciliationScheduleId(id)).describe()).rejects.toThrow();
    });
  });
});
