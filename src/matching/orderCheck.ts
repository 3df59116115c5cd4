import { CONNECTOR_ORDER_ID_KEY, describeRule, type MatchSettings } from './matchRules';

/**
 * Whether a payment, as Stripe shows it now, names the Monstock order it is about to be written
 * on. The webhook routes by the event's body; the activity that writes confirms the route against
 * the intent it read fresh from Stripe, with the same rules the matcher applies, so a body that
 * lies (a leaked signing secret, a replayed or edited event) cannot put one payment on another
 * order. Pure: the values found on the payment and how each resolved are inputs.
 */

/** The Checkout facts a rule may read: the session that created the intent, when there is one. */
export interface CheckoutNaming {
  clientReferenceId: string | null;
  metadata: Record<string, string>;
}

/** One value a match rule found on the payment, in the order the matcher tries them. */
export interface OrderNaming {
  /** Where it was found: `metadata.monstock_order_id`, `client_reference_id`, ... */
  via: string;
  value: string;
  /**
   * The connector's own key on the intent: an order id the connector wrote (on intents it creates,
   * and when a payment is attached to an order, an operator's choice included). It decides alone.
   */
  own: boolean;
}

export type OrderCheck =
  | { kind: 'confirmed'; via: string }
  /** Another integration's payment (STRIPE_IGNORE_METADATA): left alone, like the webhook leaves it. */
  | { kind: 'ignored'; reason: string }
  | { kind: 'mismatch'; reason: string; namedOrderId?: string };

/** The connector's own key on the intent, when set: it names the order before any configured rule. */
export function ownOrderId(intentMetadata: Record<string, string>): string | undefined {
  return intentMetadata[CONNECTOR_ORDER_ID_KEY] || undefined;
}

/** Whether the rules must read the Checkout session: the intent's own metadata does not settle every rule. */
export function needsCheckout(settings: MatchSettings, intentMetadata: Record<string, string>): boolean {
  if (ownOrderId(intentMetadata)) return false;
  return settings.rules.some((rule) => rule.source === 'client_reference_id' || !intentMetadata[rule.key]);
}

/** The ignore rule the payment meets, if any, as the matcher words it. */
export function ignoredBecause(
  settings: MatchSettings,
  intentMetadata: Record<string, string>,
  checkout?: CheckoutNaming,
): string | undefined {
  const ignore = settings.ignore.find(
    (rule) => intentMetadata[rule.key] === rule.value || checkout?.metadata[rule.key] === rule.value,
  );
  return ignore ? `metadata.${ignore.key}=${ignore.value} marks it as another integration's` : undefined;
}

/**
 * The values the match rules find, in the matcher's order: the connector's own key first, then each
 * rule, reading the intent's metadata and, where it says nothing, the Checkout session's.
 */
export function orderNamings(
  settings: MatchSettings,
  intentMetadata: Record<string, string>,
  checkout?: CheckoutNaming,
): OrderNaming[] {
  const own = ownOrderId(intentMetadata);
  if (own) return [{ via: `metadata.${CONNECTOR_ORDER_ID_KEY}`, value: own, own: true }];
  const namings: OrderNaming[] = [];
  for (const rule of settings.rules) {
    const value =
      (rule.source === 'metadata' ? intentMetadata[rule.key] : undefined) ||
      (rule.source === 'metadata' ? checkout?.metadata[rule.key] : checkout?.clientReferenceId) ||
      undefined;
    if (value) namings.push({ via: describeRule(rule), value, own: false });
  }
  return namings;
}

/** Whether `naming` settles the question without asking Monstock (our key, or this order's id itself). */
export function settledWithoutLookup(orderId: string, naming: OrderNaming): boolean {
  return naming.own || naming.value === orderId;
}

/**
 * Decides, for the order `orderId`, from the namings (in order) and what Monstock said of each value
 * looked up (`resolved`: value → the one order it is the id or unique reference of, or undefined).
 * The first naming that names an order decides, as in the matcher: this order confirms, another
 * order is a mismatch; values naming no order are skipped; nothing left is a mismatch too.
 */
export function checkOrderNamed(
  orderId: string,
  namings: readonly OrderNaming[],
  resolved: ReadonlyMap<string, string | undefined>,
  ignoredReason?: string,
): OrderCheck {
  if (ignoredReason !== undefined) return { kind: 'ignored', reason: ignoredReason };
  for (const naming of namings) {
    const named = settledWithoutLookup(orderId, naming) ? naming.value : resolved.get(naming.value);
    if (named === undefined) continue;
    if (named === orderId) return { kind: 'confirmed', via: naming.via };
    return {
      kind: 'mismatch',
      namedOrderId: named,
      reason: `the payment names Monstock order ${named} (${naming.via}=${naming.value}), not order ${orderId}`,
    };
  }
  return {
    kind: 'mismatch',
    reason:
      namings.length === 0
        ? `no match rule finds a value on the payment, so nothing names order ${orderId}`
        : `no Monstock order for ${namings.map((n) => `${n.via}=${n.value}`).join(', ')}, so nothing names order ${orderId}`,
  };
}
