import type Stripe from 'stripe';
import { z } from 'zod';
import type { MonstockClient } from '../../monstock/client';
import { RefundRequestFinished } from '../../monstock/errors';
import type { RefundRequest, RefundRequestPatch } from '../../monstock/schemas';
import {
  planRefund,
  requestOutcome,
  type AwaitedIntent,
  type ExistingRefund,
  type RefundableIntent,
  type RefundPlan,
} from '../../payments/refundPlan';
import { findIntentIdsOfOrder } from '../../stripe/orderIntents';
import { withActivityFailures } from '../failures';
import { createRequestRefund, readOrderIntentForRefund } from './refundRequestStripe';

/** More intents than any order has: a bound on what one call reads, not a limit a shop meets. */
export const MAX_KNOWN_INTENTS = 50;

const processRefundRequestsInputSchema = z.object({
  connectionId: z.string().min(1),
  orderId: z.string().min(1),
  /** The intents the order's workflow knows (synced before Monstock shows them, or before Stripe's search does). */
  paymentIntentIds: z.array(z.string().min(1).max(255)).max(MAX_KNOWN_INTENTS).optional(),
});
export type ProcessRefundRequestsInput = z.infer<typeof processRefundRequestsInputSchema>;

export interface ProcessRefundRequestsResult {
  /** Each open request looked at, with the status it was left in. */
  requests: Array<{ id: string; status: RefundRequest['status'] }>;
  /**
   * Intents whose money is still on its way, which a request left open waits for: the workflow
   * processes the requests again when one of them syncs. Absent when no request waits.
   */
  waitingFor?: string[];
}

export interface RefundRequestClients {
  monstock: MonstockClient;
  stripe: Stripe;
}

const OPEN: ReadonlyArray<RefundRequest['status']> = ['requested', 'processing'];

/**
 * Carries out the order's open refund requests (Monstock's returns and goodwill) in Stripe, oldest
 * first. What is refundable comes from Stripe alone (each succeeded intent: captured less refunded,
 * pending refunds counted), and refunds already made for a request are found by their metadata, so
 * a retry after a crash never refunds twice, even past Stripe's 24-hour idempotency window.
 *
 * The order's intents are the ones Stripe knows for it (searched by the connector's metadata key),
 * the workflow's and the ones Monstock shows: a request made right after paying, before the
 * payment reached Monstock, still finds the money. One that is not refundable yet while a payment
 * is still on its way stays open (`waitingFor`) rather than being rejected.
 */
export function createProcessRefundRequests(clients: RefundRequestClients) {
  return async function processRefundRequests(input: ProcessRefundRequestsInput): Promise<ProcessRefundRequestsResult> {
    const { orderId, paymentIntentIds } = processRefundRequestsInputSchema.parse(input);
    return withActivityFailures(() => processAll(orderId, paymentIntentIds ?? []));
  };

  async function processAll(orderId: string, knownIntentIds: string[]): Promise<ProcessRefundRequestsResult> {
    const requests = await clients.monstock.listRefundRequests(orderId);
    const open = requests
      .filter((request) => OPEN.includes(request.status))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    if (open.length === 0) return { requests: [] };
    const [order, searched] = await Promise.all([
      clients.monstock.getOrder(orderId),
      findIntentIdsOfOrder(clients.stripe, orderId),
    ]);
    const shown = order.payments
      .filter((payment) => payment.kind === 'payment' && payment.transactionRef.startsWith('pi_'))
      .map((payment) => payment.transactionRef);
    const known = knownIntentIds.filter((id) => id.startsWith('pi_'));
    const intentIds = [...new Set([...shown, ...known, ...searched])];
    const results: ProcessRefundRequestsResult['requests'] = [];
    const waitingFor = new Set<string>();
    for (const request of open) {
      if (request.status === 'requested') await report(orderId, request.id, { status: 'processing' });
      // Read again for each request: the previous one's refunds lowered what is refundable.
      const { refundable, awaited } = await readIntents(intentIds, request.id);
      const plan = planRefund(request, order.currency, refundable, awaited);
      if (plan.kind === 'wait') plan.awaiting.forEach((id) => waitingFor.add(id));
      results.push({ id: request.id, status: await carryOut(orderId, request.id, plan) });
    }
    return { requests: results, ...(waitingFor.size > 0 ? { waitingFor: [...waitingFor].sort() } : {}) };
  }

  async function readIntents(
    intentIds: string[],
    requestId: string,
  ): Promise<{ refundable: RefundableIntent[]; awaited: AwaitedIntent[] }> {
    const read = await Promise.all(intentIds.map((id) => readOrderIntentForRefund(clients.stripe, id, requestId)));
    return {
      refundable: read.flatMap((item) => (item.kind === 'refundable' ? [item.intent] : [])),
      awaited: read.flatMap((item) => (item.kind === 'awaited' ? [item.intent] : [])),
    };
  }

  async function carryOut(orderId: string, requestId: string, plan: RefundPlan): Promise<RefundRequest['status']> {
    // Already reported `processing`: it stays so until the awaited payment lands.
    if (plan.kind === 'wait') return 'processing';
    if (plan.kind === 'reject') {
      await report(orderId, requestId, { status: 'rejected', failureReason: plan.failureReason });
      return 'rejected';
    }
    if (plan.kind === 'failed') {
      await report(orderId, requestId, {
        status: 'failed',
        failureReason: plan.failureReason,
        stripeRefundIds: plan.refundIds,
      });
      return 'failed';
    }
    const created: ExistingRefund[] = [];
    // One at a time, newest intent first: a crash leaves a prefix, which the retry finds by metadata.
    for (const item of plan.create) {
      created.push(await createRequestRefund(clients.stripe, { ...item, requestId, orderId }));
    }
    const refunds = [...plan.existing, ...created];
    const outcome = requestOutcome(refunds);
    const stripeRefundIds = refunds.map((refund) => refund.id);
    await report(
      orderId,
      requestId,
      outcome.status === 'failed'
        ? { status: 'failed', failureReason: outcome.failureReason, stripeRefundIds }
        : { status: outcome.status, stripeRefundIds },
    );
    return outcome.status;
  }

  /** A finished request (succeeded or rejected by an earlier run) refuses changes: it is done. */
  async function report(orderId: string, requestId: string, patch: RefundRequestPatch): Promise<void> {
    try {
      await clients.monstock.updateRefundRequest(orderId, requestId, patch);
    } catch (error) {
      if (!(error instanceof RefundRequestFinished)) throw error;
    }
  }
}
