import { spawn } from 'node:child_process';
import path from 'node:path';
import { createSyncPaymentIntent } from '../src/activities/orderPayment/syncPaymentIntent';
import { MonstockClient } from '../src/monstock/client';
import type { Order } from '../src/monstock/schemas';
import type { ReconciliationReport } from '../src/shared/reconciliation';
import { benchStripeClient } from './stripeClient';
import { forEachConcurrently } from './load';
import { ordersUpdatedSince, seedOrders, setFaults } from './monstockOrders';
import { progress } from './progress';
import { readSandboxRequests, servedBetween } from './sandboxRequestLog';
import type { BenchStack } from './stack';
import { round1 } from './stats';

/**
 * Reconciliation over a clean window: N paid orders, each shown in Monstock exactly as the
 * connector writes it (its own sync activity, run here), so the run compares and finds nothing
 * to repair. Seeded before the rate limit is on, with the connector's Stripe webhook endpoint
 * paused (its events are not "failed deliveries" to replay) and Monstock's webhooks dropped.
 * Then the Stripe sandbox allows `rateLimit` requests/s (the worker's own limiter is the same)
 * and `npm run reconcile -- --json` runs over the window. The bound is the rate limit times the
 * payments per Stripe request the sandbox actually served meanwhile (its request log).
 */
export interface ReconciliationResult {
  payments: number;
  rateLimitPerSecond: number;
  paymentsPerSecond: number;
  boundPerSecond: number;
  boundBasis: string;
  ratio: number;
  seconds: number;
  /** Stripe requests the sandbox served during the run, from its own request log. */
  stripeRequestsServed: number;
  /** Requests the sandbox refused with 429 (its rate limit) during the run. */
  stripeRequestsRateLimited: number;
  stripeRequestsByRoute: Record<string, number>;
  /** What the reconcile report says it called, for comparison only: the bound does not use it. */
  reportedStripeCalls?: number;
  seedSeconds: number;
  counts: ReconciliationReport['counts'];
  byKind: ReconciliationReport['byKind'];
  unresolved: number;
  replayedEvents?: number;
}

const root = path.resolve(__dirname, '..');

export async function measureReconciliation(
  stack: BenchStack,
  payments: number,
  rateLimit: number,
): Promise<ReconciliationResult> {
  const monstock = new MonstockClient({ apiUrl: stack.monstockApiUrl, apiToken: stack.env.MONSTOCK_API_TOKEN! });
  const stripe = benchStripeClient(stack.env.STRIPE_SECRET_KEY!, stack.stripeUrl!);
  const sync = createSyncPaymentIntent({ monstock, stripe });
  try {
    const seedStarted = Date.now();
    await stripe.webhookEndpoints.update(stack.stripeWebhookEndpointId, { disabled: true });
    await setFaults(stack.monstockUrl, { webhooks: { dropRate: 1 } });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const from = new Date().toISOString();
    const ids = await seedOrders(stack.monstockUrl, payments, 50);
    const byId = new Map<string, Order>();
    for (const order of await ordersUpdatedSince(monstock, from)) byId.set(order.id, order);
    progress(
      `reconciliation: seeding ${payments} paid payments (Stripe intent + Monstock record, connector endpoint paused)`,
    );
    let lastShown = Date.now();
    const seeded = await forEachConcurrently(ids.length, 12, async (index) => {
      const order = byId.get(ids[index]!);
      if (!order) throw new Error(`order ${ids[index]} not read back`);
      const intent = await stripe.paymentIntents.create({
        amount: order.totalAmount,
        currency: 'eur',
        confirm: true,
        payment_method: 'pm_card_visa',
        metadata: { monstock_order_id: order.id },
      });
      await sync({ orderId: order.id, paymentIntentId: intent.id });
      if (Date.now() - lastShown > 5_000) {
        lastShown = Date.now();
        progress(`reconciliation: seeded ${index + 1}/${ids.length}`);
      }
    });
    if (seeded.errors > 0) throw new Error(`${seeded.errors} payments could not be seeded: ${seeded.firstError}`);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const to = new Date().toISOString();
    const seedSeconds = round1((Date.now() - seedStarted) / 1000);
    await setFaults(stack.monstockUrl, {});
    await stripe.webhookEndpoints.update(stack.stripeWebhookEndpointId, { disabled: false });
    await setFaults(stack.stripeUrl, { rateLimitPerSecond: rateLimit });
    progress(
      `reconciliation: ${payments} seeded in ${seedSeconds}s; npm run reconcile -- --from ${from} --to ${to} --json (Stripe limited to ${rateLimit}/s)`,
    );
    let report: ReconciliationReport;
    const logBefore = await readSandboxRequests(stack.stripeUrl);
    let logAfter: Awaited<ReturnType<typeof readSandboxRequests>>;
    try {
      report = await runReconcileCli(stack.env, from, to);
    } finally {
      logAfter = await readSandboxRequests(stack.stripeUrl);
      await setFaults(stack.stripeUrl, {});
    }
    const stripeLog = servedBetween(logBefore, logAfter);
    const seconds = (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000;
    const counts = report.counts as ReconciliationReport['counts'] & { stripeCalls?: number };
    const paymentsPerSecond = counts.intents / seconds;
    const reportedStripeCalls = typeof counts.stripeCalls === 'number' ? counts.stripeCalls : undefined;
    if (stripeLog.served <= 0) throw new Error('the Stripe sandbox served no request during reconciliation');
    const boundPerSecond = (rateLimit * counts.intents) / stripeLog.served;
    const result: ReconciliationResult = {
      payments,
      rateLimitPerSecond: rateLimit,
      paymentsPerSecond: round1(paymentsPerSecond),
      boundPerSecond: round1(boundPerSecond),
      boundBasis:
        'rateLimit x intents / Stripe requests served during the run (the Stripe sandbox request log, 429s excluded)',
      ratio: Math.round((paymentsPerSecond / boundPerSecond) * 1000) / 1000,
      seconds: round1(seconds),
      stripeRequestsServed: stripeLog.served,
      stripeRequestsRateLimited: stripeLog.refused,
      stripeRequestsByRoute: stripeLog.byRoute,
      ...(reportedStripeCalls !== undefined ? { reportedStripeCalls } : {}),
      seedSeconds,
      counts: report.counts,
      byKind: report.byKind,
      unresolved: report.unresolved,
      ...(report.replayedEvents !== undefined ? { replayedEvents: report.replayedEvents } : {}),
    };
    progress(
      `reconciliation: ${result.paymentsPerSecond} payments/s over ${result.seconds}s (bound ${result.boundPerSecond}/s, ${result.boundBasis})`,
    );
    return result;
  } finally {
    await monstock.close();
  }
}

function runReconcileCli(env: NodeJS.ProcessEnv, from: string, to: string): Promise<ReconciliationReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'src/starter/reconcile/main.ts'), '--from', from, '--to', to, '--json'],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => {
      const last = out
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .pop();
      if (!last)
        return reject(new Error(`reconcile exited with ${code} and no JSON report:\n${(err + out).slice(-2000)}`));
      try {
        resolve(JSON.parse(last) as ReconciliationReport);
      } catch (error) {
        reject(new Error(`reconcile printed a bad report line: ${(error as Error).message}`));
      }
    });
  });
}
