import { Client, Connection } from '@temporalio/client';
import { MonstockClient } from '../src/monstock/client';
import { EncryptionCodec, parseEncryptionKeys } from '../src/temporal/codec/encryptionCodec';
import { ORDER_PAYMENT_WORKFLOW_TYPE } from '../src/shared/orderPayment';
import { orderWorkflowId } from '../src/shared/ids';
import { benchStripeClient } from './stripeClient';
import { phaseCost, takeSnapshot, type CostSnapshot, type PhaseCost } from './costMeter';
import { placeAndPayOrdinaryOrder } from './ordinaryOrder';
import { progress } from './progress';
import { settle } from './settle';
import { createSignalDescriber } from './signalDetails';
import type { BenchStack } from './stack';
import { countRpcBilledActions } from './temporalActions';
import { countWindowActions } from './windowActions';

/**
 * Cost of one ordinary order, a phase of its own: a new customer and its order registered in
 * Monstock (their webhooks reach the connector, which syncs the customer and creates the order's
 * payment intent), paid in Stripe with that intent while the order's workflow runs, recorded in
 * Monstock; then the workflow goes idle and completes, once in the order's life, so inside this
 * window (main.ts gives the phase a stack with a short idle window; `runs` above 1 would mean the
 * payment found the workflow closed and started a new run). Actions are those of every workflow
 * with events in the phase (the customer-sync workflow included) plus heartbeats and queries from
 * the server's RPC counters;
 * CPU is every process's, from before the customer is created to after the connector settled.
 */
export interface OrderCost {
  orderId: string;
  workflowId: string;
  runs: number;
  actions: number;
  historyEvents: number;
  /** Actions by workflow type (e.g. orderPaymentWorkflow, customerSyncWorkflow, rpc). */
  actionsByWorkflowType: Record<string, number>;
  cost: PhaseCost;
  breakdown: Array<{ workflowType: string; run: number; eventId: number; actions: number; what: string }>;
}

const SIGNAL_SOURCES: Record<string, string> = {
  stripeEvent: 'a Stripe webhook',
  monstockOrder: 'a Monstock order webhook',
  recordMovement: 'a repair',
  resume: 'an operator',
  customerChanged: 'a customer webhook',
};

export async function measureOrderCost(stack: BenchStack, idleWindowMs: number, index: number): Promise<OrderCost> {
  const { monstock, stripe, client, describeSignal, close } = await openCostClients(stack);
  try {
    const costStart = await takeSnapshot(stack.costTargets);
    const fromMs = Date.now();
    const order = await placeAndPayOrdinaryOrder({ monstock, stripe, stamp: `${Date.now()}-${index}`, pollMs: 25 });
    const workflowId = orderWorkflowId(stack.connectionId, order.orderId);
    progress(
      `cost per order: ${order.orderId} paid; waiting for its workflow to go idle and complete (${idleWindowMs} ms idle window)`,
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
    if (runs.length > 1)
      progress(
        `cost per order: ${order.orderId} took ${runs.length} runs: its payment found the workflow closed (idle window ${idleWindowMs} ms too short for this machine)`,
      );
    await settle(stack);
    const costEnd = await takeSnapshot(stack.costTargets);
    const toMs = Date.now();
    const counted = await countOrderWindow(client, stack, describeSignal, fromMs, toMs, costStart, costEnd);
    return {
      orderId: order.orderId,
      workflowId,
      runs: runs.length,
      ...counted,
      cost: phaseCost(costStart, costEnd, 1),
    };
  } finally {
    await close();
  }
}

/** The load generator's clients: Monstock and Stripe as a shop uses them, Temporal with the connector's codec. */
export async function openCostClients(stack: BenchStack) {
  const monstock = new MonstockClient({ apiUrl: stack.monstockApiUrl, apiToken: stack.env.MONSTOCK_API_TOKEN! });
  const stripe = benchStripeClient(stack.env.STRIPE_SECRET_KEY!, stack.stripeUrl!);
  const connection = await Connection.connect({ address: stack.temporalAddress });
  // The connector encrypts payloads (memo and summaries included): listing its workflows needs its codec.
  const codec = new EncryptionCodec(parseEncryptionKeys(stack.env.PAYLOAD_ENCRYPTION_KEYS!));
  const client = new Client({ connection, namespace: stack.namespace, dataConverter: { payloadCodecs: [codec] } });
  const describeSignal = createSignalDescriber(stack.env.PAYLOAD_ENCRYPTION_KEYS!);
  return {
    monstock,
    stripe,
    client,
    describeSignal,
    close: async () => {
      await monstock.close();
      await connection.close();
    },
  };
}

/** Actions and history events of every workflow with events in the window, with heartbeats and queries. */
export async function countOrderWindow(
  client: Client,
  stack: Pick<BenchStack, 'taskQueue'>,
  describeSignal: ReturnType<typeof createSignalDescriber>,
  fromMs: number,
  toMs: number,
  costStart: CostSnapshot,
  costEnd: CostSnapshot,
): Promise<Pick<OrderCost, 'actions' | 'historyEvents' | 'actionsByWorkflowType' | 'breakdown'>> {
  const window = await countWindowActions(client, {
    taskQueue: stack.taskQueue,
    fromMs,
    toMs,
    describeSignal,
    hints: (workflowType) => ({
      startedBy: 'signal-with-start or client start',
      signalSource: (name) => SIGNAL_SOURCES[name],
      ...(workflowType === ORDER_PAYMENT_WORKFLOW_TYPE
        ? { timerPurpose: 'idle window: the wait for the next event is a condition with a timeout' }
        : {}),
    }),
  });
  const rpcDelta: Record<string, number> = {};
  for (const [operation, count] of Object.entries(costEnd.temporalRequests ?? {}))
    rpcDelta[operation] = count - (costStart.temporalRequests?.[operation] ?? 0);
  const rpcItems = countRpcBilledActions(rpcDelta);
  const actionsByWorkflowType: Record<string, number> = {};
  const breakdown: OrderCost['breakdown'] = [];
  const runOf = new Map<string, number>();
  for (const workflow of window.byWorkflow) {
    actionsByWorkflowType[workflow.workflowType] =
      (actionsByWorkflowType[workflow.workflowType] ?? 0) + workflow.count.actions;
    const run = (runOf.get(workflow.workflowId) ?? 0) + 1;
    runOf.set(workflow.workflowId, run);
    for (const item of workflow.count.items)
      breakdown.push({
        workflowType: workflow.workflowType,
        run,
        eventId: item.eventId,
        actions: item.actions,
        what: item.what,
      });
  }
  for (const item of rpcItems) {
    actionsByWorkflowType.rpc = (actionsByWorkflowType.rpc ?? 0) + item.actions;
    breakdown.push({ workflowType: 'rpc', run: 0, eventId: 0, actions: item.actions, what: item.what });
  }
  return {
    actions: window.total.actions + rpcItems.reduce((sum, item) => sum + item.actions, 0),
    historyEvents: window.total.historyEvents,
    actionsByWorkflowType,
    breakdown,
  };
}
