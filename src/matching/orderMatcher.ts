import type Stripe from 'stripe';
import type { MonstockClient } from '../monstock/client';
import { CONNECTOR_ORDER_ID_KEY, describeRule, type MatchSettings } from './matchRules';

export type MatchOutcome =
  | { kind: 'order'; orderId: string; via: string }
  | { kind: 'ignored'; reason: string }
  | { kind: 'unmatched'; reason: string };

export interface PaymentIntentFacts {
  id: string;
  metadata: Record<string, string>;
}

export interface CheckoutFacts {
  clientReferenceId: string | null;
  metadata: Record<string, string>;
}

/**
 * Finds the Monstock order of a Stripe payment intent by the configured rules. Found orders are
 * cached (a payment never changes order); "not found" is not, since the order may appear later.
 */
export class OrderMatcher {
  private readonly cache = new Map<string, MatchOutcome>();

  constructor(
    private readonly deps: { stripe: Stripe; monstock: MonstockClient; settings: MatchSettings; cacheSize?: number },
  ) {}

  /** Reads the intent (and its Checkout session when a rule needs it) from Stripe, then matches. */
  async matchPaymentIntentId(paymentIntentId: string): Promise<MatchOutcome> {
    const cached = this.cache.get(paymentIntentId);
    if (cached) return cached;
    const intent = await this.deps.stripe.paymentIntents.retrieve(paymentIntentId);
    return this.match({ id: intent.id, metadata: { ...intent.metadata } });
  }

  async match(intent: PaymentIntentFacts, checkout?: CheckoutFacts): Promise<MatchOutcome> {
    const cached = this.cache.get(intent.id);
    if (cached) return cached;
    let session = checkout;
    for (const ignore of this.deps.settings.ignore) {
      if (intent.metadata[ignore.key] === ignore.value || session?.metadata[ignore.key] === ignore.value) {
        return this.remember(intent.id, {
          kind: 'ignored',
          reason: `metadata.${ignore.key}=${ignore.value} marks it as another integration's`,
        });
      }
    }
    const tried: string[] = [];
    for (const rule of this.deps.settings.rules) {
      let candidate = rule.source === 'metadata' ? intent.metadata[rule.key] : undefined;
      if (!candidate) {
        session ??= await this.checkoutOf(intent.id);
        candidate =
          rule.source === 'metadata' ? session?.metadata[rule.key] : (session?.clientReferenceId ?? undefined);
      }
      if (!candidate) continue;
      tried.push(`${describeRule(rule)}=${candidate}`);
      // Our own key holds an order id we wrote: trusted as is, so accepting a webhook never waits
      // on Monstock (a wrong id surfaces in the order's workflow, which parks it for a person).
      const orderId =
        rule.source === 'metadata' && rule.key === CONNECTOR_ORDER_ID_KEY
          ? candidate
          : await this.resolveOrder(candidate);
      if (orderId) return this.remember(intent.id, { kind: 'order', orderId, via: describeRule(rule) });
    }
    return {
      kind: 'unmatched',
      reason:
        tried.length === 0 ? 'no match rule found a value on the payment' : `no Monstock order for ${tried.join(', ')}`,
    };
  }

  /** A value may be an order id or a reference: try the id first, then the reference. */
  private async resolveOrder(value: string): Promise<string | undefined> {
    const byId = await this.deps.monstock.findOrder(value);
    if (byId) return byId.id;
    const page = await this.deps.monstock.listOrders({ reference: value, limit: 2 });
    // Two orders with one reference would be a guess: leave it unmatched for a person.
    return page.data.length === 1 ? page.data[0]!.id : undefined;
  }

  private async checkoutOf(paymentIntentId: string): Promise<CheckoutFacts | undefined> {
    const sessions = await this.deps.stripe.checkout.sessions.list({ payment_intent: paymentIntentId, limit: 1 });
    const session = sessions.data[0];
    return session
      ? { clientReferenceId: session.client_reference_id, metadata: { ...(session.metadata ?? {}) } }
      : undefined;
  }

  private remember(paymentIntentId: string, outcome: MatchOutcome): MatchOutcome {
    if (this.cache.size >= (this.deps.cacheSize ?? 50_000)) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(paymentIntentId, outcome);
    return outcome;
  }
}
