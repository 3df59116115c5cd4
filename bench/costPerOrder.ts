import { Client, Connection } from '@temporalio/client';
import { MonstockClient } from '../src/monstock/client';
import { orderWorkflowId } from '../src/shared/ids';
import { benchStripeClient } from './stripeClient';
import { historyEventFacts } from './historyFacts';
import { progress } from './progress';
import { createSignalDescriber } from './signalDetails';
import type { BenchStack } from './stack';
import { countTemporalActions, sumActionCounts, type ActionCount } from './temporalActions';

/**
 * Cost of one ordinary order: registered in Monstock (its webhook reaches the connector, which
 * creates the order's payment intent), paid in Stripe with that intent, recorded in Monstock; then
 * the workflow goes idle and completes. Every run with the order's workflow id is counted.
 */
export interface OrderCost {
  orderId: string;
  workflowId: string;
  runs: number;
  actions: number;
  historyEvents: number;
  breakdown: Array<{ run: number; eventId: number; actions: number; what: string }>;
}

const SIGNAL_SOURCES: Record<string, string> = {
  stripeEvent: 'a Stripe webhook',
  monstockOrder: 'a Monstock order webhook',
  recordMovement: 'a repair',
  resume: 'an operator',
};

export async function measureOrderCost(stack: BenchStack, idleWindowMs: number, index: number): Promise<OrderCost> {
  const monstock = new MonstockClient({ apiUrl: stack.monstockApiUrl, apiToken: stack.env.MONSTOCK_API_TOKEN! });
  const stripe = benchStripeClient(stack.env.STRIPE_SECRET_KEY!, stack.stripeUrl!);
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, namespace: stack.namespace });
  const describeSignal = createSignalDescriber(stack.env.PAYLOAD_ENCRYPTION_KEYS!);
  try {
    const stamp = `${Date.now()}-${index}`;
    const customer = await monstock.createCustomer({
      email: `bench-cost-${stamp}@example.test`,
      name: 'Bench Customer',
    });
    const order = await monstock.createOrder({
      reference: `BENCH-COST-${stamp}`,
      customerId: customer.id,
      currency: 'EUR',
      lines: [{ sku: 'MUG-01', label: 'Mug', quantity: 2, unitAmount: 1250 }],
    });
    const intentId = await until(
      async () => (await monstock.getOrder(order.id)).externalRefs.stripePaymentIntentId ?? undefined,
      'the connector to create the payment intent',
    );
    await stripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa' });
    await until(
      async () => ((await monstock.getOrder(order.id)).paymentStatus === 'paid' ? true : undefined),
      'the order paid in Monstock',
    );
    const workflowId = orderWorkflowId(stack.connectionId, order.id);
    progress(
      `cost per order: ${order.id} paid; waiting for its workflow to go idle and complete (${idleWindowMs} ms idle window)`,
    );
    // Closed, and still closed a while later (a late webhook would start a new run).
    let runs: Array<{ runId: string; status: string }> = [];
    const deadline = Date.now() + idleWindowMs * 4 + 60_000;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, idleWindowMs)));
      runs = [];
      for await (const info of client.workflow.list({ query: `WorkflowId="${workflowId}"` }))
        runs.push({ runId: info.runId, status: info.status.name });
      if (runs.length > 0 && runs.every((run) => run.status !== 'RUNNING')) {
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        const again: string[] = [];
        for await (const info of client.workflow.list({ query: `WorkflowId="${workflowId}"` }))
          again.push(info.status.name);
        if (again.length === runs.length && again.every((status) => status !== 'RUNNING')) break;
      }
      if (Date.now() > deadline)
        throw new Error(
          `workflow ${workflowId} still running after ${Math.round((idleWindowMs * 4 + 60_000) / 1000)} s`,
        );
    }
    const counts: ActionCount[] = [];
    const breakdown: OrderCost['breakdown'] = [];
    // Oldest run first.
    for (const [position, run] of runs.reverse().entries()) {
      const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
      const facts = await Promise.all(
        (history.events ?? []).map(async (event) => {
          const fact = historyEventFacts(event);
          const detail = fact.type === 'WorkflowExecutionSignaled' ? await describeSignal(event) : undefined;
          return detail ? { ...fact, detail } : fact;
        }),
      );
      const firstSignal = facts.find((event) => event.type === 'WorkflowExecutionSignaled')?.name;
      const count = countTemporalActions(facts, {
        startedBy: firstSignal
          ? `signal-with-start from ${SIGNAL_SOURCES[firstSignal] ?? firstSignal}`
          : 'client start',
        signalSource: (name) => SIGNAL_SOURCES[name],
        timerPurpose: 'idle window: the wait for the next event is a condition with a timeout',
      });
      counts.push(count);
      for (const item of count.items)
        breakdown.push({ run: position + 1, eventId: item.eventId, actions: item.actions, what: item.what });
    }
    const total = sumActionCounts(counts);
    return {
      orderId: order.id,
      workflowId,
      runs: runs.length,
      actions: total.actions,
      historyEvents: total.historyEvents,
      breakdown,
    };
  } finally {
    await monstock.close();
    await connection.close();
  }
}

async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
