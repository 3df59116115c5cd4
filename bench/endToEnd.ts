import { MonstockClient } from '../src/monstock/client';
import { seedRoundRobin, spreadOf, stripeClientsByKey } from './connectionLoad';
import { openLoop } from './load';
import { orderEventWatch, orderListWatch } from './orderWatch';
import { progress } from './progress';
import type { BenchStack } from './stack';
import { latency, round1, type Latency } from './stats';

/**
 * End to end, on the path users run: orders created in Monstock with webhooks on (the connector
 * creates each order's payment intent), then those intents confirmed in the Stripe sandbox at a
 * steady rate, until the Monstock order shows it paid. "Paid" is read from
 * Monstock's `updatedSince` list, or with many tenants the sandbox's event record (one call per
 * poll, not one per order: orderWatch.ts); the time is the order's own `updatedAt` (when Monstock
 * recorded it), so the poll interval does not add to it. Orders go round-robin over the stack's
 * connections, each in its own tenant and paid in its own Stripe account.
 */
export interface EndToEndResult extends Latency {
  ratePerSecond: number;
  seconds: number;
  payments: number;
  paid: number;
  createErrors: number;
  /** Payments shown paid per second, from the first confirmation to the last one shown paid. */
  paidPerSecond: number;
  /**
   * Payments shown paid per second between the first and the last shown paid: equal to the offered
   * rate when the connector keeps up (latency adds to both ends alike), lower when a backlog grows.
   */
  completedPerSecond: number;
  /** Confirmed but not shown paid within the drain time. */
  unpaid: number;
  firstError?: string;
}

export async function measureEndToEnd(
  stack: BenchStack,
  ratePerSecond: number,
  seconds: number,
  drainSeconds = 180,
  /** Called once every order has its payment intent, right before the first confirmation. */
  onIntentsReady?: () => Promise<void>,
): Promise<EndToEndResult> {
  const payments = Math.round(ratePerSecond * seconds);
  const monstock = new MonstockClient({ apiUrl: stack.monstockApiUrl, apiToken: stack.env.MONSTOCK_API_TOKEN! });
  const stripeOf = stripeClientsByKey(stack.stripeUrl);
  try {
    const since = new Date(Date.now() - 1_000).toISOString();
    const watch = stack.watchOrdersByEventFeed
      ? await orderEventWatch(stack.monstockUrl, stack.monstockEventSeq)
      : orderListWatch(monstock, since);
    // As in production: each order's `order.created` reaches its connection, which creates the
    // order's payment intent (alignStripeWithOrder); the customer then confirms that intent.
    // With several connections, orders go round-robin to their tenants (connectionLoad.ts).
    const planned = await seedRoundRobin(stack, payments);
    const wanted = new Set(planned.map((each) => each.orderId));
    const intentOf = new Map<string, string>();
    const alignDeadline = Date.now() + drainSeconds * 1000;
    while (intentOf.size < payments && Date.now() < alignDeadline) {
      for (const order of await watch.changed())
        if (wanted.has(order.id) && order.stripePaymentIntentId) intentOf.set(order.id, order.stripePaymentIntentId);
      if (intentOf.size < payments) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (intentOf.size !== payments)
      throw new Error(`seeded ${payments} orders, ${intentOf.size} got their payment intent within ${drainSeconds} s`);
    progress(`end to end: ${payments} payments at ${ratePerSecond}/s over ${spreadOf(planned)} connections`);
    await onIntentsReady?.();

    const confirmedAt = new Map<string, number>();
    const latencies: number[] = [];
    let firstConfirm = Number.POSITIVE_INFINITY;
    let lastPaid = 0;
    let firstPaid = Number.POSITIVE_INFINITY;
    let watching = true;
    const watcher = (async () => {
      while (watching || latencies.length < confirmedAt.size) {
        for (const order of await watch.changed()) {
          const t0 = confirmedAt.get(order.id);
          if (t0 === undefined || order.paymentStatus !== 'paid') continue;
          confirmedAt.delete(order.id);
          const paidAt = Date.parse(order.updatedAt);
          lastPaid = Math.max(lastPaid, paidAt);
          firstPaid = Math.min(firstPaid, paidAt);
          latencies.push(Math.max(0, paidAt - t0));
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const sent = await openLoop(ratePerSecond, seconds * 1000, async (index) => {
      const { orderId, connection } = planned[index]!;
      const now = Date.now();
      firstConfirm = Math.min(firstConfirm, now);
      confirmedAt.set(orderId, now);
      // Paid in the connection's own Stripe account (its key).
      await stripeOf(connection.stripeKey).paymentIntents.confirm(intentOf.get(orderId)!, {
        payment_method: 'pm_card_visa',
      });
    });
    const deadline = Date.now() + drainSeconds * 1000;
    while (confirmedAt.size > sent.errors && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    watching = false;
    const unpaid = confirmedAt.size;
    confirmedAt.clear();
    await watcher;
    const result: EndToEndResult = {
      ...latency(latencies),
      ratePerSecond,
      seconds: round1(sent.seconds),
      payments,
      paid: latencies.length,
      createErrors: sent.errors,
      unpaid,
      paidPerSecond: lastPaid > firstConfirm ? round1((latencies.length * 1000) / (lastPaid - firstConfirm)) : 0,
      completedPerSecond:
        latencies.length > 1 && lastPaid > firstPaid
          ? round1(((latencies.length - 1) * 1000) / (lastPaid - firstPaid))
          : 0,
      ...(sent.firstError ? { firstError: sent.firstError } : {}),
    };
    progress(
      `end to end at ${ratePerSecond}/s: p50 ${result.p50Ms} p95 ${result.p95Ms} p99 ${result.p99Ms} ms, ${result.paid}/${payments} paid (${result.paidPerSecond}/s)${unpaid ? `, ${unpaid} not paid within ${drainSeconds} s` : ''}`,
    );
    return result;
  } finally {
    await monstock.close();
  }
}
