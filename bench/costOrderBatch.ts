import { ORDER_PAYMENT_WORKFLOW_TYPE } from '../src/shared/orderPayment';
import { phaseCost, takeSnapshot, type PhaseCost } from './costMeter';
import { countOrderWindow, openCostClients } from './costPerOrder';
import { placeAndPayOrdinaryOrder } from './ordinaryOrder';
import { progress } from './progress';
import { settle } from './settle';
import type { BenchStack } from './stack';

/**
 * Cost of ordinary orders taken together, as a shop sends them: `orders` orders, `concurrency` at
 * a time, each a new customer, its order, the intent paid, Monstock showing it paid; then every
 * order's workflow goes idle and completes, and the connector settles. One window from the first
 * customer to that point, divided by the orders: every process's idle and start-up work over the
 * window is shared by all of them, as in issue 14's own measurement (40 runs of `demo:loop` on
 * `npm start`), where a window per order charges it all to one.
 */
export interface OrderBatchCost {
  orders: number;
  concurrency: number;
  /** Order workflow runs in the window: above `orders` when a payment found its workflow closed. */
  orderWorkflowRuns: number;
  actionsPerOrder: number;
  historyEventsPerOrder: number;
  actionsPerOrderByWorkflowType: Record<string, number>;
  /** Per order (the `payments` of a PhaseCost are the batch's orders here). */
  cost: PhaseCost;
}

/** Enough to find the intent and the paid order soon after the connector writes them, without flooding Monstock. */
const POLL_MS = 100;

export async function measureOrderBatchCost(
  stack: BenchStack,
  options: { orders: number; concurrency: number; idleWindowMs: number },
): Promise<OrderBatchCost> {
  const { monstock, stripe, client, describeSignal, close } = await openCostClients(stack);
  try {
    const costStart = await takeSnapshot(stack.costTargets);
    const fromMs = Date.now();
    let next = 0;
    let paid = 0;
    const runner = async () => {
      while (next < options.orders) {
        const index = next;
        next += 1;
        await placeAndPayOrdinaryOrder({ monstock, stripe, stamp: `${fromMs}-batch-${index}`, pollMs: POLL_MS });
        paid += 1;
        if (paid % 10 === 0 || paid === options.orders)
          progress(`cost per order, batch: ${paid}/${options.orders} paid`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, options.orders) }, runner));
    progress(
      `cost per order, batch: waiting for the ${options.orders} workflows to go idle and complete (${options.idleWindowMs} ms idle window)`,
    );
    await untilNoOrderWorkflowRuns(client, options.idleWindowMs * 4 + 60_000);
    await settle(stack);
    const costEnd = await takeSnapshot(stack.costTargets);
    const toMs = Date.now();
    const counted = await countOrderWindow(client, stack, describeSignal, fromMs, toMs, costStart, costEnd);
    const orderWorkflowRuns = counted.breakdown.filter(
      (item) => item.workflowType === ORDER_PAYMENT_WORKFLOW_TYPE && item.what.startsWith('workflow start'),
    ).length;
    const per = (value: number) => Math.round((value / options.orders) * 100) / 100;
    return {
      orders: options.orders,
      concurrency: options.concurrency,
      orderWorkflowRuns,
      actionsPerOrder: per(counted.actions),
      historyEventsPerOrder: per(counted.historyEvents),
      actionsPerOrderByWorkflowType: Object.fromEntries(
        Object.entries(counted.actionsByWorkflowType).map(([type, actions]) => [type, per(actions)]),
      ),
      cost: phaseCost(costStart, costEnd, options.orders),
    };
  } finally {
    await close();
  }
}

/** Until no order workflow runs, and none runs again 3 s later (a late webhook would start a new run). */
async function untilNoOrderWorkflowRuns(
  client: Awaited<ReturnType<typeof openCostClients>>['client'],
  timeoutMs: number,
): Promise<void> {
  const query = `WorkflowType="${ORDER_PAYMENT_WORKFLOW_TYPE}" AND ExecutionStatus="Running"`;
  const running = async () => (await client.workflow.count(query)).count;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    if ((await running()) === 0) {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      if ((await running()) === 0) return;
    }
    if (Date.now() > deadline) throw new Error(`order workflows still running after ${Math.round(timeoutMs / 1000)} s`);
  }
}
