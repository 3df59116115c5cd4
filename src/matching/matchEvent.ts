import type { MatchOutcome, OrderMatcher } from './orderMatcher';
import type { MatchPlan } from '../events/stripeEventActions';

/**
 * Finds the order of an event's payment intent with what the event carries, asking Stripe only
 * when it must (the matcher caches found orders, so an order's later events cost no call).
 */
export async function matchEvent(
  matcher: OrderMatcher,
  paymentIntentId: string,
  plan: MatchPlan,
): Promise<MatchOutcome> {
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
