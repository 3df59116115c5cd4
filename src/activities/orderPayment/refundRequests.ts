import type Stripe from 'stripe';
import { z } from 'zod';
import type { MonstockClient } from '../../monstock/client';
import { RefundRequestFinished } from '../../monstock/errors';
import type { RefundRequest, RefundRequestPatch } from '../../monstock/schemas';
import {
  planRefund,
  requestOutcome,
  type ExistingRefund,
  type RefundableIntent,
  type RefundPlan,
} from '../../payments/refundPlan';
import { withActivityFailures } from '../failures';
import { createRequestRefund, readRefundableIntent } from './refundRequestStripe';

const processRefundRequestsInputSchema = z.object({ connectionId: z.string().min(1), orderId: z.string().min(1) });
export type ProcessRefundRequestsInput = z.infer<typeof processRefundRequestsInputSchema>;

export interface ProcessRefundRequestsResult {
  /** Each open request looked at, with the status it was left in. */
  requests: Array<{ id: string; status: RefundRequest['status'] }>;
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
 */
export function createProcessRefundRequests(clients: RefundRequestClients) {
  return async function processRefundRequests(input: ProcessRefundRequestsInput): Promise<ProcessRefundRequestsResult> {
    const { orderId } = processRefundRequestsInputSchema.parse(input);
    return withActivityFailures(() => processAll(orderId));
  };

  async function processAll(orderId: string): Promise<ProcessRefundRequestsResult> {
    const requests = await clients.monstock.listRefundRequests(orderId);
    const open = requests
      .filter((request) => OPEN.includes(request.status))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    if (open.length === 0) return { requests: [] };
    const order = await clients.monstock.getOrder(orderId);
    const intentIds = [
      ...new Set(
        order.payments
          .filter((payment) => payment.kind === 'payment' && payment.transactionRef.startsWith('pi_'))
          .map((payment) => payment.transactionRef),
      ),
    ];
    const results: ProcessRefundRequestsResult['requests'] = [];
    for (const request of open) {
      if (request.status === 'requested') await report(orderId, request.id, { status: 'processing' });
      // Read again for each request: the previous one's refunds lowered what is refundable.
      const intents = await readIntents(intentIds, request.id);
      const plan = planRefund(request, order.currency, intents);
      results.push({ id: request.id, status: await carryOut(orderId, request.id, plan) });
    }
    return { requests: results };
  }

  async function readIntents(intentIds: string[], requestId: string): Promise<RefundableIntent[]> {
    const intents = await Promise.all(intentIds.map((id) => readRefundableIntent(clients.stripe, id, requestId)));
    return intents.filter((intent): intent is RefundableIntent => intent !== undefined);
  }

  async function carryOut(orderId: string, requestId: string, plan: RefundPlan): Promise<RefundRequest['status']> {
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
