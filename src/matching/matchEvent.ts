import Stripe from 'stripe';
import type { MatchOutcome, OrderMatcher } from './orderMatcher';
import type { MatchPlan } from '../events/stripeEventActions';
import { isStripeNotFound } from '../stripe/missing';

/**
 * The matcher's outcome for one event. `ignored` says why: another integration's payment (an
 * ignore rule), or an object Stripe does not know (`object_not_found`: a 404 on the intent or
 * its Checkout session, e.g. an event of another account or a deleted test object). Neither can
 * change however often the event is delivered again, so the event is acknowledged, not retried.
 */
export type EventMatchOutcome =
  | Exclude<MatchOutcome, { kind: 'ignored' }>
  | { kind: 'ignored'; reason: string; cause: 'ignore_rule' | 'object_not_found' };

/**
 * Finds the order of an event's payment intent with what the event carries, asking Stripe only
 * when it must (the matcher caches found orders, so an order's later events cost no call).
 */
export async function matchEvent(
  matcher: OrderMatcher,
  paymentIntentId: string,
  plan: MatchPlan,
): Promise<EventMatchOutcome> {
  try {
    const outcome = await matchPlan(matcher, paymentIntentId, plan);
    return outcome.kind === 'ignored' ? { ...outcome, cause: 'ignore_rule' } : outcome;
  } catch (error) {
    if (!isStripeObjectMissing(error)) throw error;
    return {
      kind: 'ignored',
      cause: 'object_not_found',
      reason: `Stripe does not know the payment intent ${paymentIntentId} (or its Checkout session): ${(error as Error).message}`,
    };
  }
}

async function matchPlan(matcher: OrderMatcher, paymentIntentId: string, plan: MatchPlan): Promise<MatchOutcome> {
  switch (plan.by) {
    case 'intent':
      return matcher.match(plan.intent);
    case 'checkout': {
      const outcome = await matcher.match({ id: paymentIntentId, metadata: {} }, plan.checkout);
      // The session may say nothing while its intent's metadata names the order
      // (payment_intent_data.metadata): look there before calling the payment unmatched.
      return outcome.kind === 'unmatched' ? matcher.matchPaymentIntentId(paymentIntentId) : outcome;
    }
    case 'payment_intent_id':
      return matcher.matchPaymentIntentId(paymentIntentId);
  }
}

/** A 404, or Stripe's `resource_missing` (a list filter naming an unknown id answers 400 with it). */
export function isStripeObjectMissing(error: unknown): boolean {
  return isStripeNotFound(error) || (error instanceof Stripe.errors.StripeError && error.code === 'resource_missing');
}
