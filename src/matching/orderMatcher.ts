import type Stripe from 'stripe';
import type { MonstockClient } from '../monstock/client';
import { CONNECTOR_ORDER_ID_KEY, describeRule, type MatchSettings } from './matchRules';
import {
  checkOrderNamed,
  ignoredBecause,
  needsCheckout,
  orderNamings,
  ownOrderId,
  settledWithoutLookup,
  type OrderCheck,
} from './orderCheck';

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
 *
 * The webhook matches with what the event's body says (`match`), without reading the intent again:
 * that is safe because no body is trusted with money. The activity that writes a payment on an
 * order reads the intent fresh from Stripe and confirms that it names that order (`confirmOrder`,
 * the same rules); a body that lies, signed with a leaked secret, only reaches an order whose
 * workflow then writes nothing and hands the payment to its unmatched-payment workflow. For the same
 * reason a body cannot poison the cache: an outcome is cached under the facts it came from, so a
 * later event saying something else is matched afresh, and `matchPaymentIntentId` (Stripe's facts,
 * read now) only ever reuses outcomes of facts read from Stripe.
 */
export class OrderMatcher {
  private readonly cache = new Map<string, MatchOutcome>();

  constructor(
    private readonly deps: { stripe: Stripe; monstock: MonstockClient; settings: MatchSettings; cacheSize?: number },
  ) {}

  /** Reads the intent (and its Checkout session when a rule needs it) from Stripe, then matches. */
  async matchPaymentIntentId(paymentIntentId: string): Promise<MatchOutcome> {
    const key = `stripe:${paymentIntentId}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const intent = await this.deps.stripe.paymentIntents.retrieve(paymentIntentId);
    const outcome = await this.match({ id: intent.id, metadata: { ...intent.metadata } });
    return outcome.kind === 'unmatched' ? outcome : this.remember(key, outcome);
  }

  async match(intent: PaymentIntentFacts, checkout?: CheckoutFacts): Promise<MatchOutcome> {
    const key = factsKey(intent, checkout);
    const cached = this.cache.get(key);
    if (cached) return cached;
    let session = checkout;
    for (const ignore of this.deps.settings.ignore) {
      if (intent.metadata[ignore.key] === ignore.value || session?.metadata[ignore.key] === ignore.value) {
        return this.remember(key, {
          kind: 'ignored',
          reason: `metadata.${ignore.key}=${ignore.value} marks it as another integration's`,
        });
      }
    }
    // Our own key, once on the intent, is the connector's decision (an order it created the intent
    // for, or an attach, an operator's included): it comes before the configured rules, as in
    // `confirmOrder`, so routing and the write-time check never disagree.
    const own = ownOrderId(intent.metadata);
    if (own) return this.remember(key, { kind: 'order', orderId: own, via: `metadata.${CONNECTOR_ORDER_ID_KEY}` });
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
      // Our own key holds an order id we wrote: trusted as is, so accepting a webhook never waits on
      // Monstock. A wrong id (or a lying body) is caught where it would matter: the order workflow's
      // activity confirms the order against the intent read fresh from Stripe before writing.
      const orderId =
        rule.source === 'metadata' && rule.key === CONNECTOR_ORDER_ID_KEY
          ? candidate
          : await this.resolveOrder(candidate);
      if (orderId) return this.remember(key, { kind: 'order', orderId, via: describeRule(rule) });
    }
    return {
      kind: 'unmatched',
      reason:
        tried.length === 0 ? 'no match rule found a value on the payment' : `no Monstock order for ${tried.join(', ')}`,
    };
  }

  /**
   * Whether the intent, as just read from Stripe (`intent.metadata` must be fresh, never an event's
   * copy), names the order `orderId` by the same rules as `match`: the connector's own key, else each
   * rule in order (the Checkout session's client_reference_id or metadata when the intent's own
   * metadata says nothing), a value being an order id or a unique order reference. Never cached.
   */
  async confirmOrder(intent: PaymentIntentFacts, orderId: string): Promise<OrderCheck> {
    const settings = this.deps.settings;
    const checkout = needsCheckout(settings, intent.metadata) ? await this.checkoutOf(intent.id) : undefined;
    const ignored = ignoredBecause(settings, intent.metadata, checkout);
    const namings = orderNamings(settings, intent.metadata, checkout);
    const resolved = new Map<string, string | undefined>();
    if (ignored === undefined) {
      // As the matcher: values in order, until one names an order (ours needs no lookup).
      for (const naming of namings) {
        if (settledWithoutLookup(orderId, naming)) break;
        if (!resolved.has(naming.value)) resolved.set(naming.value, await this.resolveOrder(naming.value));
        if (resolved.get(naming.value) !== undefined) break;
      }
    }
    return checkOrderNamed(orderId, namings, resolved, ignored);
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

  private remember(key: string, outcome: MatchOutcome): MatchOutcome {
    if (this.cache.size >= (this.deps.cacheSize ?? 50_000)) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, outcome);
    return outcome;
  }
}

/** A cache key for an outcome reached from these facts (an event's body): the same facts, the same outcome. */
function factsKey(intent: PaymentIntentFacts, checkout: CheckoutFacts | undefined): string {
  const sorted = (metadata: Record<string, string>) => Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : 1));
  return `facts:${intent.id}:${JSON.stringify([
    sorted(intent.metadata),
    checkout ? [checkout.clientReferenceId, sorted(checkout.metadata)] : null,
  ])}`;
}
