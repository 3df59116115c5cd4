import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type Stripe from 'stripe';
import { Pool } from 'undici';
import { loadConfig, withDevelopmentValues, type ConnectorConfig } from '../../src/config';
import { OrderMatcher } from '../../src/matching/orderMatcher';
import { Counters, defineWebhookCounters, WEBHOOK_COUNTERS as C } from '../../src/observability/counters';
import { createLogger } from '../../src/observability/logger';
import { listen, type StartedServer } from '../../sandbox/kit/http';
import { createConnectorHttpServer, type WebhookRoute } from '../../src/starter/http/server';
import { createMonstockWebhookRoute } from '../../src/starter/monstock/route';
import { createStripeWebhookRoute } from '../../src/starter/stripe/route';
import { startMonstockFixture, TEST_MONSTOCK_WEBHOOK_SECRET, type MonstockFixture } from '../support/monstockSandbox';
import { startStripeFixture, TEST_STRIPE_WEBHOOK_SECRET, type StripeFixture } from '../support/stripeSandbox';
import { connectTestClient, eventually, uniqueTaskQueue } from '../support/temporal';
import { generateCases, nowSeconds, sign, type Category, type Source } from './cases';
import { Rng } from './generators';
import { describeCase, healthz, mapBounded, send, violation, type FuzzOutcome } from './harness';

/**
 * Issue 7, bad input: thousands of malformed, unsigned, wrongly signed, replayed, oversized,
 * type-confused, truncated, non-UTF-8, header-injected, wrong-method, wrong-content-type and
 * wrong-connection requests against the real HTTP shell wired with both real routes, a real
 * Temporal client and both sandboxes. Every answer is a 4xx (a 2xx only for a correctly signed
 * event the connector does not deliver; a 400 for a signed event whose ids no workflow id could
 * carry, or of the other mode than the key's), never a 5xx nor a hang, the server stays up, and not
 * one workflow is started or signalled on the fuzz task queue.
 *
 * Deterministic for a seed: `FUZZ_SEED=<n>` replays a run, `FUZZ_REQUESTS=<n>` sets the number
 * of requests per route (default 2,000).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed2026);
const PER_SOURCE = Number(process.env.FUZZ_REQUESTS ?? 2_000);
const CONCURRENCY = 16;
const BATCH = 250;

const REJECT_REASONS: Record<Source, readonly string[]> = {
  stripe: [
    'missing_signature',
    'bad_signature',
    'stale_timestamp',
    'malformed_json',
    'not_an_event',
    'invalid_id',
    'livemode_mismatch',
  ],
  monstock: [
    'missing_signature',
    'bad_signature',
    'stale_timestamp',
    'malformed_json',
    'not_an_event',
    'invalid_order',
    'invalid_customer',
    'invalid_id',
  ],
};

function routeCounts(counters: Counters, source: Source, connections: readonly string[]) {
  // Every count is labelled with its connection: summed over the connections the requests name.
  const get = (name: string, labels: Record<string, string> = {}) =>
    connections.reduce((sum, connection) => sum + counters.get(name, { source, connection, ...labels }), 0);
  const sumOver = (name: string, key: string, values: readonly string[]) =>
    values.reduce((sum, value) => sum + get(name, { [key]: value }), 0);
  return {
    received: get(C.received),
    rejected: sumOver(C.rejected, 'reason', REJECT_REASONS[source]),
    accepted: sumOver(C.accepted, 'workflow', ['order', 'unmatched', 'customer', 'customer_sync']),
    unavailable: get(C.unavailable),
    acknowledged:
      get(C.unknown) +
      sumOver(C.ignored, 'reason', ['ignore_rule', 'no_payment_intent', 'customer_sync_not_wired', 'object_not_found']),
  };
}

describe('webhook routes under bad input (fuzz)', () => {
  const fuzzQueue = uniqueTaskQueue('fuzz-webhooks');
  const validQueue = uniqueTaskQueue('fuzz-valid');
  // No worker: one workflow is started there only to see when visibility has caught up.
  const markerQueue = uniqueTaskQueue('fuzz-marker');
  // Its own connection id, so the valid events' workflow ids cannot meet another test file's.
  const validConnection = `fuzz-${validQueue.slice(-8)}`;
  const knownConnections = ['default', validConnection];
  const logger = createLogger({ level: 'error' });
  let dataDir: string;
  let monstock: MonstockFixture;
  let stripe: StripeFixture;
  let client: Client;
  let server: StartedServer;
  let pool: Pool;
  const fuzzCounters = defineWebhookCounters(new Counters());
  const validCounters = defineWebhookCounters(new Counters());
  let fuzzRoutes: Record<Source, WebhookRoute>;
  let validRoutes: Record<Source, WebhookRoute>;

  const configFor = (taskQueue: string): ConnectorConfig =>
    loadConfig(
      withDevelopmentValues({
        STRIPE_WEBHOOK_SECRET: TEST_STRIPE_WEBHOOK_SECRET,
        MONSTOCK_WEBHOOK_SECRET: TEST_MONSTOCK_WEBHOOK_SECRET,
        TEMPORAL_TASK_QUEUE: taskQueue,
        DATA_DIR: dataDir,
        ORDER_IDLE_WINDOW: '1 hour',
      }),
    );

  const countOn = async (taskQueue: string) =>
    Number((await client.workflow.count(`TaskQueue = '${taskQueue}'`)).count);

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-webhooks-'));
    [monstock, stripe, client] = await Promise.all([startMonstockFixture(), startStripeFixture(), connectTestClient()]);
    const routesFor = (config: ConnectorConfig, counters: Counters): Record<Source, WebhookRoute> => ({
      stripe: createStripeWebhookRoute({
        client,
        matcher: new OrderMatcher({ stripe: stripe.stripe, monstock: monstock.client, settings: config.matching }),
        config,
        logger,
        counters,
      }),
      monstock: createMonstockWebhookRoute({ client, config, logger, counters }),
    });
    fuzzRoutes = routesFor(configFor(fuzzQueue), fuzzCounters);
    validRoutes = routesFor(configFor(validQueue), validCounters);
    const dispatch =
      (source: Source): WebhookRoute =>
      (webhook) =>
        (webhook.connectionId === validConnection ? validRoutes : fuzzRoutes)[source](webhook);
    server = await listen(
      createConnectorHttpServer({
        logger,
        readiness: async () => ({ ready: true }),
        connectionIds: ['default', validConnection],
        webhooks: { stripe: dispatch('stripe'), monstock: dispatch('monstock') },
      }),
      0,
    );
    pool = new Pool(server.url, { connections: CONCURRENCY, keepAliveTimeout: 30_000, pipelining: 1 });
  });

  afterAll(async () => {
    await pool?.close();
    await server?.close();
    if (client) {
      // The valid events' workflows have no worker here: end them rather than leave them waiting.
      for await (const execution of client.workflow.list({
        query: `TaskQueue = '${validQueue}' AND ExecutionStatus = 'Running'`,
      })) {
        await client.workflow
          .getHandle(execution.workflowId, execution.runId)
          .terminate('fuzz test done')
          .catch(() => undefined);
      }
      await client.connection.close();
    }
    await stripe?.close();
    await monstock?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(`answers ${PER_SOURCE} bad requests per route with 4xx (never 5xx, never a hang) and starts no workflow (seed ${SEED})`, async () => {
    const started = Date.now();
    const cases = generateCases({
      seed: SEED,
      perSource: PER_SOURCE,
      secrets: { stripe: TEST_STRIPE_WEBHOOK_SECRET, monstock: TEST_MONSTOCK_WEBHOOK_SECRET },
      knownConnections,
    });
    const before = {
      stripe: routeCounts(fuzzCounters, 'stripe', knownConnections),
      monstock: routeCounts(fuzzCounters, 'monstock', knownConnections),
    };
    const workflowsBefore = await countOn(fuzzQueue);

    const outcomes: FuzzOutcome[] = [];
    const healthFailures: string[] = [];
    for (let offset = 0; offset < cases.length; offset += BATCH) {
      outcomes.push(
        ...(await mapBounded(cases.slice(offset, offset + BATCH), CONCURRENCY, (fuzzCase) =>
          send(pool, server.port, fuzzCase),
        )),
      );
      const health = await healthz(server.url).catch((error: Error) => error.message);
      if (health !== 200) healthFailures.push(`after request ${offset + BATCH}: /healthz answered ${health}`);
    }
    const elapsed = Date.now() - started;

    const failures = outcomes.filter((outcome) => violation(outcome) !== undefined);
    const summary = tally(outcomes);
    process.stderr.write(
      `\n[fuzz] seed ${SEED}: ${outcomes.length} requests in ${elapsed} ms, slowest ${Math.max(...outcomes.map((o) => o.ms))} ms\n${summary}\n`,
    );
    expect({
      seed: SEED,
      failures: failures.length,
      first: failures
        .slice(0, 8)
        .map((outcome) => describeCase(outcome, SEED))
        .join('\n'),
    }).toEqual({ seed: SEED, failures: 0, first: '' });
    expect(healthFailures).toEqual([]);

    // Nothing delivered: no workflow on the fuzz queue, nothing accepted, nothing 503. Workflow
    // counts come from Temporal's visibility store, which lags: rather than wait a fixed time, a
    // marker workflow started after the last request must show up first; a workflow a fuzz request
    // started (earlier) would be visible by then too.
    const marker = await client.workflow.start('fuzzVisibilityMarker', {
      taskQueue: markerQueue,
      workflowId: `${markerQueue}-marker`,
    });
    try {
      await eventually(async () => ((await countOn(markerQueue)) === 1 ? true : undefined), 10_000, 100);
    } finally {
      await marker.terminate('visibility marker seen');
    }
    expect({ seed: SEED, workflows: await countOn(fuzzQueue) }).toEqual({ seed: SEED, workflows: workflowsBefore });
    for (const source of ['stripe', 'monstock'] as const) {
      const after = routeCounts(fuzzCounters, source, knownConnections);
      const mine = outcomes.filter((outcome) => outcome.fuzzCase.source === source);
      const routed = mine.filter((outcome) => outcome.fuzzCase.reachesRoute);
      const rawReached = mine.filter((outcome) => outcome.fuzzCase.raw && outcome.status === 400).length;
      const routed400 = routed.filter((outcome) => outcome.status === 400).length;
      const routed2xx = routed.filter((outcome) => outcome.status !== undefined && outcome.status < 300).length;
      expect({
        source,
        accepted: after.accepted - before[source].accepted,
        unavailable: after.unavailable - before[source].unavailable,
      }).toEqual({ source, accepted: 0, unavailable: 0 });
      // Each request the route saw is counted once, as a reject or an acknowledgement; raw
      // requests the HTTP parser refused never reach it.
      const received = after.received - before[source].received;
      expect(received).toBeGreaterThanOrEqual(routed.length);
      expect(received).toBeLessThanOrEqual(routed.length + rawReached);
      expect(after.rejected - before[source].rejected).toBeGreaterThanOrEqual(routed400);
      expect(after.rejected - before[source].rejected).toBeLessThanOrEqual(routed400 + rawReached);
      expect(after.acknowledged - before[source].acknowledged).toBe(routed2xx);
      expect(routed400).toBeGreaterThan(routed.length / 2);
    }
    expect(await healthz(server.url)).toBe(200);
  });

  it('acknowledges correctly signed valid events, in any order and duplicated, with 2xx (the harness does not refuse everything)', async () => {
    const rng = new Rng(SEED ^ 0x7a11d);
    const orders = await Promise.all(Array.from({ length: 5 }, (_, index) => monstock.createOrder(1000 + index * 100)));
    const intents: Stripe.PaymentIntent[] = await Promise.all(
      orders.map((order) =>
        stripe.stripe.paymentIntents.create({
          amount: order.totalAmount,
          currency: 'eur',
          metadata: { monstock_order_id: order.id },
        }),
      ),
    );
    type Valid = { source: Source; body: string; note: string };
    const events: Valid[] = [];
    orders.forEach((order, index) => {
      const intent = intents[index]!;
      for (const [type, version] of [
        ['order.created', order.version],
        ['order.updated', order.version + 1],
        ['order.updated', order.version + 2],
      ] as const) {
        const updatedAt = new Date(Date.parse(order.updatedAt) + version * 1000).toISOString();
        events.push({
          source: 'monstock',
          note: `${type} v${version} of ${order.id}`,
          body: JSON.stringify({
            id: rng.id('evt_valid'),
            type,
            createdAt: updatedAt,
            data: { object: { id: order.id, version, updatedAt } },
          }),
        });
      }
      const stripeEvent = (type: string, object: Record<string, unknown>) =>
        JSON.stringify({ id: rng.id('evt_valid'), object: 'event', type, created: nowSeconds(), data: { object } });
      events.push({
        source: 'stripe',
        note: `payment_intent.canceled ${intent.id}`,
        body: stripeEvent('payment_intent.canceled', {
          id: intent.id,
          object: 'payment_intent',
          amount: intent.amount,
          currency: 'eur',
          metadata: intent.metadata,
        }),
      });
      events.push({
        source: 'stripe',
        note: `payment_intent.processing ${intent.id}`,
        body: stripeEvent('payment_intent.processing', {
          id: intent.id,
          object: 'payment_intent',
          amount: intent.amount,
          currency: 'eur',
          metadata: intent.metadata,
        }),
      });
      events.push({
        source: 'stripe',
        note: `charge.updated for ${intent.id}`,
        body: stripeEvent('charge.updated', { id: rng.id('ch_valid'), object: 'charge', payment_intent: intent.id }),
      });
      // Only echoes payment_intent.processing: acknowledged, delivered nowhere.
      events.push({
        source: 'stripe',
        note: `charge.pending for ${intent.id} (redundant)`,
        body: stripeEvent('charge.pending', { id: rng.id('ch_valid'), object: 'charge', payment_intent: intent.id }),
      });
    });
    // Irrelevant but valid: acknowledged, delivered nowhere.
    events.push({
      source: 'stripe',
      note: 'invoice.paid',
      body: JSON.stringify({
        id: rng.id('evt_valid'),
        object: 'event',
        type: 'invoice.paid',
        created: nowSeconds(),
        data: { object: { id: 'in_1' } },
      }),
    });
    events.push({
      source: 'monstock',
      note: 'product.updated',
      body: JSON.stringify({
        id: rng.id('evt_valid'),
        type: 'product.updated',
        createdAt: new Date().toISOString(),
        data: { object: { id: 'prd_1' } },
      }),
    });
    const duplicates = Array.from({ length: events.length }, () => rng.pick(events));
    const sequence = rng.shuffle([...events, ...duplicates]);

    const answers = await mapBounded(sequence, 8, async (event) => {
      const secret = event.source === 'stripe' ? TEST_STRIPE_WEBHOOK_SECRET : TEST_MONSTOCK_WEBHOOK_SECRET;
      const answer = await pool.request({
        path: `/webhooks/${event.source}/${validConnection}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', [`${event.source}-signature`]: sign(event.body, secret) },
        body: event.body,
        signal: AbortSignal.timeout(10_000),
      });
      const text = await answer.body.text();
      return { status: answer.statusCode, text, note: event.note };
    });
    const refused = answers.filter((answer) => answer.status !== 200);
    expect({ seed: SEED, refused }).toEqual({ seed: SEED, refused: [] });
    const delivered = sequence.filter((event) => !/invoice\.paid|product\.updated|redundant/.test(event.note)).length;
    const accepted =
      routeCounts(validCounters, 'stripe', knownConnections).accepted +
      routeCounts(validCounters, 'monstock', knownConnections).accepted;
    expect(accepted).toBe(delivered);
    // One order workflow per order, however many events and duplicates reached it.
    await eventually(async () => ((await countOn(validQueue)) === orders.length ? true : undefined), 10_000, 200);
    expect(await countOn(fuzzQueue)).toBe(0);
  });
});

function tally(outcomes: readonly FuzzOutcome[]): string {
  const rows = new Map<string, { total: number; statuses: Map<string, number> }>();
  for (const outcome of outcomes) {
    const key = `${outcome.fuzzCase.source.padEnd(8)} ${outcome.fuzzCase.category satisfies Category}`;
    const row = rows.get(key) ?? { total: 0, statuses: new Map<string, number>() };
    row.total += 1;
    const status = outcome.status !== undefined ? String(outcome.status) : 'error';
    row.statuses.set(status, (row.statuses.get(status) ?? 0) + 1);
    rows.set(key, row);
  }
  return [...rows.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([key, row]) =>
        `  ${key.padEnd(32)} ${String(row.total).padStart(5)}  ${[...row.statuses.entries()].map(([status, count]) => `${status}×${count}`).join(' ')}`,
    )
    .join('\n');
}
