import type { OrderEvidence, Problem } from './checker';
import type { LedgerEntry } from './ledger';
import { REFUND_REQUEST_METADATA_KEY, type IntentFacts, type RefundFacts } from './stripeFacts';

/**
 * The checker's judgement of the merchant's Monstock-side flows, which the connector carries out
 * in Stripe: what the shop shipped or cancelled must be captured (the total due at shipment) or
 * released, and every refund request must end with exactly one Stripe refund of its amount
 * (succeeded) or none (rejected: it asked more than was refundable), Monstock showing the outcome.
 *
 * - lost: a capture or release that never happened, a request with no Stripe refund, or one left
 *   requested/processing (or missing) in Monstock;
 * - duplicated: more than one Stripe refund naming one request;
 * - wrongStatus: another amount captured or refunded, captured instead of released (or the
 *   reverse), a request ending in another status than the ledger implies or not naming its
 *   Stripe refunds, an order status other than the one the shop set.
 */

/** Whether a Stripe refund names one of this order's refund requests. */
export function askedThroughMonstock(entry: LedgerEntry, refund: Pick<RefundFacts, 'metadata'>): boolean {
  const requestId = refund.metadata[REFUND_REQUEST_METADATA_KEY];
  return requestId !== undefined && (entry.refundRequests ?? []).some((request) => request.id === requestId);
}

/** What the connector had to do in Stripe, judged from Stripe alone. */
export function merchantStripeProblems(entry: LedgerEntry, stripe: readonly IntentFacts[]): Problem[] {
  return [...captureProblems(entry, stripe), ...refundRequestStripeProblems(entry, stripe)];
}

function captureProblems(entry: LedgerEntry, stripe: readonly IntentFacts[]): Problem[] {
  const problems: Problem[] = [];
  const { orderId, capture } = entry;
  if (!capture) return problems;
  for (const intent of entry.intents) {
    if (intent.captureMethod !== 'manual') continue;
    const facts = stripe.find((candidate) => candidate.id === intent.id);
    // Stripe not showing the intent at all is the ledger's problem, told by the checker.
    if (!facts) continue;
    const ref = intent.id;
    if (capture.outcome === 'shipped') {
      if (facts.status === 'requires_capture')
        problems.push({
          orderId,
          kind: 'lost',
          ref,
          detail: `shipped, but ${ref} is still held in Stripe (not captured)`,
        });
      else if (facts.status !== 'succeeded')
        problems.push({
          orderId,
          kind: 'wrongStatus',
          ref,
          detail: `shipped, but ${ref} is ${facts.status} in Stripe`,
        });
      else if (facts.amountReceived !== capture.amountDue)
        problems.push({
          orderId,
          kind: 'wrongStatus',
          ref,
          fields: ['amount'],
          detail: `Stripe captured ${facts.amountReceived} of ${ref}, the order was due ${capture.amountDue} at shipment`,
        });
    } else if (facts.status === 'requires_capture') {
      problems.push({
        orderId,
        kind: 'lost',
        ref,
        detail: `cancelled, but ${ref} is still held in Stripe (not released)`,
      });
    } else if (facts.status !== 'canceled') {
      problems.push({
        orderId,
        kind: 'wrongStatus',
        ref,
        detail: `cancelled before shipment, but ${ref} is ${facts.status} in Stripe`,
      });
    }
  }
  return problems;
}

function refundsFor(stripe: readonly IntentFacts[], requestId: string): RefundFacts[] {
  return stripe.flatMap((facts) =>
    facts.refunds.filter((refund) => refund.metadata[REFUND_REQUEST_METADATA_KEY] === requestId),
  );
}

function refundRequestStripeProblems(entry: LedgerEntry, stripe: readonly IntentFacts[]): Problem[] {
  const problems: Problem[] = [];
  const orderId = entry.orderId;
  for (const request of entry.refundRequests ?? []) {
    const refunds = refundsFor(stripe, request.id);
    const ref = request.id;
    const ids = refunds.map((refund) => refund.id).join(', ');
    if (refunds.length > 1) {
      problems.push({
        orderId,
        kind: 'duplicated',
        ref,
        detail: `refund request ${ref} refunded ${refunds.length} times in Stripe (${ids})`,
      });
      continue;
    }
    if (request.expected === 'rejected') {
      if (refunds.length > 0)
        problems.push({
          orderId,
          kind: 'wrongStatus',
          ref,
          detail: `refund request ${ref} asks ${request.amount}, more than was paid, yet Stripe refunded it (${ids})`,
        });
      continue;
    }
    const [refund] = refunds;
    if (!refund) problems.push({ orderId, kind: 'lost', ref, detail: `refund request ${ref} has no refund in Stripe` });
    else if (refund.amount !== request.amount)
      problems.push({
        orderId,
        kind: 'wrongStatus',
        ref,
        fields: ['amount'],
        detail: `refund request ${ref} asks ${request.amount}, Stripe's refund ${refund.id} is ${refund.amount}`,
      });
    else if (refund.status !== 'succeeded')
      // A card refund succeeds at once here; still pending at the end is not done.
      problems.push({
        orderId,
        kind: 'lost',
        ref,
        detail: `refund ${refund.id} of request ${ref} is ${refund.status} in Stripe`,
      });
  }
  return problems;
}

/** What Monstock must show of the shop's own actions: each request's outcome, the order's status. */
export function merchantMonstockProblems(evidence: OrderEvidence): Problem[] {
  const { entry, monstock: order } = evidence;
  const orderId = entry.orderId;
  // The order missing in Monstock is told movement by movement by the checker.
  if (!order) return [];
  const problems: Problem[] = [];
  if (entry.orderStatus && order.status !== entry.orderStatus)
    problems.push({
      orderId,
      kind: 'wrongStatus',
      detail: `order status ${order.status}, the shop set ${entry.orderStatus}`,
    });
  for (const request of entry.refundRequests ?? []) {
    const ref = request.id;
    const shown = evidence.refundRequests?.find((candidate) => candidate.id === ref);
    if (!evidence.refundRequests) continue;
    if (!shown) {
      problems.push({ orderId, kind: 'lost', ref, detail: `refund request ${ref} missing in Monstock` });
      continue;
    }
    if (shown.status === 'requested' || shown.status === 'processing') {
      problems.push({
        orderId,
        kind: 'lost',
        ref,
        detail: `refund request ${ref} left ${shown.status}, expected ${request.expected}`,
      });
      continue;
    }
    if (shown.status !== request.expected) {
      problems.push({
        orderId,
        kind: 'wrongStatus',
        ref,
        fields: ['status'],
        detail: `refund request ${ref} is ${shown.status}${shown.failureReason ? ` (${shown.failureReason})` : ''}, expected ${request.expected}`,
      });
      continue;
    }
    if (request.expected === 'rejected' && !shown.failureReason)
      problems.push({
        orderId,
        kind: 'wrongStatus',
        ref,
        fields: ['failureReason'],
        detail: `refund request ${ref} rejected without a reason`,
      });
    if (request.expected === 'succeeded') {
      const stripeIds = refundsFor(evidence.stripe, ref).map((refund) => refund.id);
      const same =
        stripeIds.length === shown.stripeRefundIds.length &&
        stripeIds.every((id) => shown.stripeRefundIds.includes(id));
      if (!same)
        problems.push({
          orderId,
          kind: 'wrongStatus',
          ref,
          fields: ['stripeRefundIds'],
          detail: `refund request ${ref} names Stripe refunds [${shown.stripeRefundIds.join(', ')}], Stripe shows [${stripeIds.join(', ')}]`,
        });
    }
  }
  return problems;
}
