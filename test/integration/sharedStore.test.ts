import pg from 'pg';
import type http from 'node:http';
import type { Client } from '@temporalio/client';
import Stripe from 'stripe';
import { createReconciliationActivities } from '../../src/activities/reconciliation';
import type { ReconciliationClients } from '../../src/activities/reconciliation';
import { databaseSource, writePart } from '../../src/activities/reconciliation/reportFiles';
import { loadConfig, withDevelopmentValues, type ConnectorConfig } from '../../src/config';
import { OrderMatcher } from '../../src/matching/orderMatcher';
import { Counters, defineWebhookCounters, WEBHOOK_COUNTERS as C } from '../../src/observability/counters';
import { createLogger } from '../../src/observability/logger';
import { ConnectorPages } from '../../src/reports/pages';
import { WebhookHealth } from '../../src/reports/webhookHealth';
import type { ReconciliationFinding, ReconciliationReport } from '../../src/shared/reconciliation';
import { createStripeWebhookRoute } from '../../src/starter/stripe/route';
import { ensureStripeWebhookEndpoint, managedEndpointSpec } from '../../src/starter/stripe/webhookEndpoint';
import { openDatabase, type Database } from '../../src/store/database';
import { loadManagedSecret } from '../../src/store/managedSecrets';
import { migrate, MIGRATIONS } from '../../src/store/migrations';
import { startDatabaseServer, startFileDatabase, type FileDatabase } from '../support/database';
import { startStripeFixture, type StripeFixture } from '../support/stripeSandbox';
import { connectTestClient } from '../support/temporal';

/**
 * Two replicas of the webhook server on one database, each with its own pool (its own
 * connections, as on two hosts): what one writes, the other serves.
 */
interface Replica {
  database: Database;
  counters: Counters;
  health: WebhookHealth;
  pages: ConnectorPages;
}

const finding: ReconciliationFinding = {
  kind: 'amount_mismatch',
  repairable: false,
  action: 'reported',
  paymentIntentId: 'pi_shared_1',
  orderId: 'ord_shared_1',
  detail: 'amounts differ',
};

function reportOf(reportId: string): ReconciliationReport {
  return {
    reportId,
    connectionId: 'default',
    window: { from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z' },
    startedAt: '2026-11-02T00:00:00.000Z',
    finishedAt: '2026-11-02T00:05:00.000Z',
    counts: { pages: 2, items: 3, intents: 3, orders: 3, findings: 1, repairsSent: 0, ignored: 0, stripeCalls: 4 },
    byKind: { amount_mismatch: 1 },
    totals: { EUR: { stripeCollected: 3000, monstockRecorded: 2500, refunded: 0, disputed: 0, difference: -500 } },
    unresolved: 1,
    findings: [finding],
    findingsTruncated: false,
  };
}

const get = (pages: ConnectorPages, url: string) =>
  pages.handlerFor(url.split('?')[0]!)!({ url } as http.IncomingMessage);

describe('connector state shared by replicas', () => {
  jest.setTimeout(120_000);
  let shared: FileDatabase;
  let client: Client;
  let config: ConnectorConfig;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    // A database of this file's own, so "the latest report" is this file's.
    shared = await startFileDatabase();
    client = await connectTestClient();
    config = loadConfig(withDevelopmentValues({ DATABASE_URL: shared.url }));
    for (const name of ['replica-a', 'replica-b']) {
      const database = await openDatabase(shared.url);
      const counters = defineWebhookCounters(new Counters());
      const health = new WebhookHealth(counters, {
        sources: ['stripe', 'monstock'],
        shared: { database, connectionId: 'default', replicaId: name },
      });
      const pages = new ConnectorPages({
        client,
        database,
        connectionId: 'default',
        namespace: client.options.namespace,
        temporalUiUrl: 'http://127.0.0.1:8233',
        stripeSecretKey: 'sk_test_x',
        webhookHealth: health,
        problemsCacheMs: 0,
      });
      replicas.push({ database, counters, health, pages });
    }
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.database.end();
    await client?.connection.close();
    await shared?.stop();
  });

  it('serves a report written through one replica identically from the other', async () => {
    const [a, b] = replicas as [Replica, Replica];
    // The reconciliation activities of a worker on replica A's pool: a page's part, then the report.
    const activities = createReconciliationActivities({
      reconciliation: { database: a.database, stripeRateLimitPerSecond: 25 },
    } as unknown as ReconciliationClients);
    await writePart(databaseSource(a.database), 'shared-r1', 'stripe', 0, [finding]);
    const written = await activities.writeReconciliationReport({ ...reportOf('shared-r1'), findings: [] });
    expect(written).toEqual({ reportFile: '/reports/shared-r1', findings: 1 });

    for (const path of ['/reports/latest', '/reports/latest.json', '/reports/shared-r1', '/reports/shared-r1.json']) {
      const [fromA, fromB] = [await get(a.pages, path), await get(b.pages, path)];
      expect(fromB.status).toBe(200);
      expect(fromB.body).toBe(fromA.body);
    }
    const json = JSON.parse((await get(b.pages, '/reports/latest.json')).body) as ReconciliationReport;
    expect(json).toMatchObject({ reportId: 'shared-r1', findings: [finding], reportFile: '/reports/shared-r1' });
    expect((await get(b.pages, '/reports/shared-r1')).body).toContain('ord_shared_1');
  });

  it('sums webhook health over both replicas, and both problems pages show the same numbers', async () => {
    const [a, b] = replicas as [Replica, Replica];
    a.counters.inc(C.accepted, { source: 'stripe', workflow: 'order' });
    a.counters.inc(C.accepted, { source: 'stripe', workflow: 'order' });
    b.counters.inc(C.accepted, { source: 'stripe', workflow: 'order' });
    b.counters.inc(C.rejected, { source: 'stripe', reason: 'bad_signature' });
    b.counters.inc(C.accepted, { source: 'monstock', workflow: 'order' });
    // Each replica publishes on its own check; A's page then sees B's counts without B's page being asked.
    await b.health.sharedSnapshot();
    const seenByA = await a.health.sharedSnapshot();
    expect(seenByA.map(({ source, succeeded, rejected, failed }) => ({ source, succeeded, rejected, failed }))).toEqual(
      [
        { source: 'monstock', succeeded: 1, rejected: 0, failed: 0 },
        { source: 'stripe', succeeded: 3, rejected: 1, failed: 0 },
      ],
    );
    expect(seenByA.find((entry) => entry.source === 'stripe')?.lastFailureSeenAt).toEqual(expect.any(String));
    const strip = (entries: typeof seenByA) => entries.map(({ recent: _recent, ...entry }) => entry);
    expect(strip(await b.health.sharedSnapshot())).toEqual(strip(await a.health.sharedSnapshot()));

    const [pageA, pageB] = [await get(a.pages, '/problems'), await get(b.pages, '/problems')];
    expect(pageA.status).toBe(200);
    // The same page but for the moment each was checked.
    const unclocked = (body: string) => body.replace(/<time id="checked-at">[^<]*<\/time>/, '');
    expect(unclocked(pageB.body)).toBe(unclocked(pageA.body));
    expect(pageA.body).toMatch(/<section id="webhooks">/);
  });

  describe('the managed endpoint secret', () => {
    let stripe: StripeFixture;
    beforeAll(async () => {
      stripe = await startStripeFixture();
    });
    afterAll(async () => stripe?.close());

    it('set by setup through one replica verifies a signed Stripe webhook on the other', async () => {
      const [a, b] = replicas as [Replica, Replica];
      const logger = createLogger({ level: 'error' });
      const result = await ensureStripeWebhookEndpoint({
        stripe: stripe.stripe,
        spec: managedEndpointSpec({ publicUrl: 'http://127.0.0.1:9', connectionId: 'default' }),
        database: a.database,
        // The replicas' own PAYLOAD_ENCRYPTION_KEYS: every replica holds the same keys.
        encryptionKeys: config.temporal.encryptionKeys,
        logger,
      });
      const endpoint = (await stripe.stripe.webhookEndpoints.list({ limit: 100 })).data.find(
        (candidate) => candidate.id === result.endpointId,
      );
      expect(endpoint).toBeDefined();
      // Stripe shows a secret only once: the test reads it from the creation, through the store as the route does.
      const { rows } = await b.database.query<{ endpoint_id: string }>(
        'SELECT endpoint_id FROM managed_webhook_secrets WHERE connection_id = $1',
        ['default'],
      );
      expect(rows).toEqual([{ endpoint_id: result.endpointId }]);
      const secret = (await loadManagedSecret(a.database, config.temporal.encryptionKeys, 'default'))!.secret;
      expect(secret).toMatch(/^whsec_/);

      const route = createStripeWebhookRoute({
        client,
        matcher: new OrderMatcher({ stripe: stripe.stripe, monstock: {} as never, settings: config.matching }),
        config: { ...config, stripe: { ...config.stripe, webhookSecrets: ['whsec_configured_elsewhere'] } },
        database: b.database,
        logger,
        counters: b.counters,
      });
      const call = (signWith: string) => {
        const body = JSON.stringify({
          id: 'evt_shared_1',
          object: 'event',
          type: 'customer.updated',
          livemode: false,
          created: Math.floor(Date.now() / 1000),
          data: { object: { id: 'cus_1', object: 'customer' } },
        });
        return route({
          connectionId: 'default',
          headers: {
            'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret: signWith }),
          },
          rawBody: Buffer.from(body),
        });
      };
      expect((await call(secret)).status).toBe(200);
      expect((await call('whsec_not_the_managed_one')).status).toBe(400);
    });
  });
});

describe('migrations', () => {
  it('two replicas migrating a fresh database at once both succeed, and each migration is applied once', async () => {
    const server = await startDatabaseServer();
    const pools = [await rawPool(server.url), await rawPool(server.url)];
    try {
      const applied = await Promise.all(pools.map((pool) => migrate(pool)));
      const versions = MIGRATIONS.map((migration) => migration.version);
      // One applied them all; the other waited on the lock, then found nothing left to do.
      expect([...applied].sort((x, y) => y.length - x.length)).toEqual([versions, []]);
      const { rows } = await pools[0]!.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      expect(rows.map((row) => row.version)).toEqual(versions);
      // And again later: nothing to do.
      expect(await migrate(pools[1]!)).toEqual([]);
    } finally {
      for (const pool of pools) await pool.end();
      await server.stop();
    }
  });
});

/** A pool without the migration `openDatabase` runs, so the test runs the migrations itself. */
async function rawPool(url: string): Promise<Database> {
  return new pg.Pool({ connectionString: url, max: 2 });
}
