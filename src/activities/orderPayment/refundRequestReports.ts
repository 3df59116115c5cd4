import type { MonstockClient } from '../../monstock/client';
import { RefundRequestFinished } from '../../monstock/errors';
import type { RefundRequest, RefundRequestPatch } from '../../monstock/schemas';
import type { RefundSnapshot } from '../../payments/paymentIntentSnapshot';
import { requestOutcome } from '../../payments/refundPlan';

/**
 * Brings Monstock's refund requests in line with the refunds a sync just read from Stripe (no
 * extra Stripe read): a refund that failed fails its request with Stripe's reason; a request whose
 * refunds all succeeded succeeds. Monstock is read only when the intent has refunds made for a
 * request, and written only when the request's status would change.
 */
export async function reportRefundRequestsFromStripe(
  monstock: MonstockClient,
  orderId: string,
  refunds: ReadonlyArray<RefundSnapshot>,
): Promise<void> {
  const byRequest = new Map<string, RefundSnapshot[]>();
  for (const refund of refunds) {
    if (refund.refundRequestId === undefined) continue;
    byRequest.set(refund.refundRequestId, [...(byRequest.get(refund.refundRequestId) ?? []), refund]);
  }
  if (byRequest.size === 0) return;
  const requests = await monstock.listRefundRequests(orderId);
  for (const request of requests) {
    const ours = byRequest.get(request.id);
    if (!ours) continue;
    const patch = patchFor(request, ours);
    if (!patch) continue;
    try {
      await monstock.updateRefundRequest(orderId, request.id, patch);
    } catch (error) {
      // A Monstock that keeps finished requests as they are: Stripe's later change still shows on the order.
      if (!(error instanceof RefundRequestFinished)) throw error;
    }
  }
}

function patchFor(request: RefundRequest, refunds: RefundSnapshot[]): RefundRequestPatch | undefined {
  if (request.status === 'rejected') return undefined;
  const outcome = requestOutcome(refunds);
  // A succeeded request can only fail afterwards: Stripe failed a refund days later (a closed card).
  if (request.status === 'succeeded' && outcome.status !== 'failed') return undefined;
  const stripeRefundIds = refunds.map((refund) => refund.id);
  if (outcome.status === 'failed') {
    if (request.status === 'failed' && request.failureReason === outcome.failureReason) return undefined;
    return { status: 'failed', failureReason: outcome.failureReason, stripeRefundIds };
  }
  // A request split over several intents is complete only when every refund it names is here.
  const seen = new Set(stripeRefundIds);
  const complete = request.stripeRefundIds.length > 0 && request.stripeRefundIds.every((id) => seen.has(id));
  if (outcome.status === 'succeeded' && complete && request.status === 'processing')
    return { status: 'succeeded', stripeRefundIds };
  return undefined;
}
