import type Stripe from 'stripe';
import { z } from 'zod';
import { isStripeSnapshotAsSynced } from '../customers/ownWrites';
import type { StripeCustomerView } from '../customers/stripeMapping';
import type { CheckoutFacts, PaymentIntentFacts } from '../matching/orderMatcher';
import { describeBadId, isSafeStripeId } from '../shared/ids';
import type { StripeEventRef } from '../shared/orderPayment';

/**
 * What the webhook does with each Stripe event type, in one table (Medusa style). Every handled
 * event concerns a payment intent: the table says where the intent's id sits in the event's
 * object and what the order matcher can learn from the event without asking Stripe.
 */

/** The envelope of a verified webhook; the object stays untyped JSON because we read a few fields only. */
export interface StripeWebhookEvent {
  id: string;
  type: string;
  created: number;
  api_version?: string | null;
  /** Whether the event comes from live mode: compared with the key's mode by the route. */
  livemode?: boolean;
  data: { object: StripeObjectJson };
}

export type StripeObjectJson = { id: string; object?: string } & Record<string, unknown>;

/** How the order of an event's payment intent is found. */
export type MatchPlan =
  /** The object is the intent: its metadata is at hand. */
  | { by: 'intent'; intent: PaymentIntentFacts }
  /** A Checkout session: its client_reference_id and metadata are at hand. */
  | { by: 'checkout'; checkout: CheckoutFacts }
  /** Only the intent's id is at hand: the matcher reads the intent from Stripe (cached). */
  | { by: 'payment_intent_id' };

export type SkipReason = 'unknown_type' | 'no_payment_intent' | 'redundant';

/** Which id of a signed event failed the id check (so the 400 says what to look at). */
export type InvalidIdField = 'event_id' | 'object_id' | 'payment_intent_id' | 'customer_id';

export type StripeEventAction =
  | { kind: 'deliver'; ref: StripeEventRef; match: MatchPlan }
  /**
   * A customer changed in Stripe: for the connection's customer sync. `ownWrite`: the signed
   * snapshot is the record exactly as the connector's last sync left it (src/customers/ownWrites.ts),
   * so the delivery drops it instead of paying a signal for a sync that would find nothing to do.
   */
  | { kind: 'customer'; customerId: string; eventId: string; created: number; ownWrite: boolean }
  | { kind: 'skip'; reason: SkipReason }
  /**
   * A signed event whose ids could never name a workflow (too long, odd characters): a 400 with
   * the field, since no retry can cure it, rather than a 503 on every delivery.
   */
  | { kind: 'reject'; reason: 'invalid_id'; field: InvalidIdField; value: string };

const CUSTOMER_EVENTS = [
  'customer.created',
  'customer.updated',
] as const satisfies readonly Stripe.WebhookEndpointCreateParams.EnabledEvent[];

interface ActionRule {
  objectType: StripeEventRef['objectType'];
  paymentIntentOf(object: StripeObjectJson): string | undefined;
  plan(object: StripeObjectJson): MatchPlan;
}

const PAYMENT_INTENT_EVENTS = [
  'payment_intent.amount_capturable_updated',
  'payment_intent.canceled',
  'payment_intent.partially_funded',
  'payment_intent.payment_failed',
  'payment_intent.processing',
  'payment_intent.requires_action',
  'payment_intent.succeeded',
] as const satisfies readonly Stripe.WebhookEndpointCreateParams.EnabledEvent[];

/**
 * Not the charge events that only echo an intent event sent with them (`charge.succeeded` with
 * `payment_intent.succeeded`, `charge.pending` with `payment_intent.processing`, `charge.failed`
 * with `payment_intent.payment_failed`), nor `payment_intent.created` (nothing moved yet): each
 * would cost the order a signal, a billed Temporal action, and tell it nothing new.
 */
export const REDUNDANT_STRIPE_EVENTS = [
  'payment_intent.created',
  'charge.succeeded',
  'charge.pending',
  'charge.failed',
] as const;

const CHARGE_EVENTS = [
  'charge.captured',
  'charge.expired',
  'charge.refunded',
  'charge.updated',
] as const satisfies readonly Stripe.WebhookEndpointCreateParams.EnabledEvent[];

const DISPUTE_EVENTS = [
  'charge.dispute.closed',
  'charge.dispute.created',
  'charge.dispute.funds_reinstated',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.updated',
] as const satisfies readonly Stripe.WebhookEndpointCreateParams.EnabledEvent[];

/** `charge.refund.updated` carries a refund, like the `refund.*` family. */
const REFUND_EVENTS = [
  'charge.refund.updated',
  'refund.created',
  'refund.failed',
  'refund.updated',
] as const satisfies readonly Stripe.WebhookEndpointCreateParams.EnabledEvent[];

/** Not `checkout.session.expired`: an expired session moved no money, and its intent's own events say so. */
const CHECKOUT_EVENTS = [
  'checkout.session.async_payment_failed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.completed',
] as const satisfies readonly Stripe.WebhookEndpointCreateParams.EnabledEvent[];

const byPaymentIntentField = (objectType: ActionRule['objectType']): ActionRule => ({
  objectType,
  paymentIntentOf: (object) => idOf(object.payment_intent),
  plan: () => ({ by: 'payment_intent_id' }),
});

const RULES: ReadonlyMap<string, ActionRule> = new Map<string, ActionRule>([
  ...PAYMENT_INTENT_EVENTS.map((type): [string, ActionRule] => [
    type,
    {
      objectType: 'payment_intent',
      paymentIntentOf: (object) => object.id,
      plan: (object) => ({ by: 'intent', intent: { id: object.id, metadata: stringRecord(object.metadata) } }),
    },
  ]),
  ...CHARGE_EVENTS.map((type): [string, ActionRule] => [type, byPaymentIntentField('charge')]),
  ...DISPUTE_EVENTS.map((type): [string, ActionRule] => [type, byPaymentIntentField('dispute')]),
  ...REFUND_EVENTS.map((type): [string, ActionRule] => [type, byPaymentIntentField('refund')]),
  ...CHECKOUT_EVENTS.map((type): [string, ActionRule] => [
    type,
    {
      objectType: 'checkout.session',
      // Setup and subscription sessions have no intent of their own to pay an order with.
      paymentIntentOf: (object) => (object.mode === 'payment' ? idOf(object.payment_intent) : undefined),
      plan: (object) => ({
        by: 'checkout',
        checkout: {
          clientReferenceId: typeof object.client_reference_id === 'string' ? object.client_reference_id : null,
          metadata: stringRecord(object.metadata),
        },
      }),
    },
  ]),
]);

/** Exactly the types the table handles: the managed webhook endpoint subscribes to these. */
export const HANDLED_STRIPE_EVENT_TYPES: readonly Stripe.WebhookEndpointCreateParams.EnabledEvent[] = [
  ...PAYMENT_INTENT_EVENTS,
  ...CHARGE_EVENTS,
  ...DISPUTE_EVENTS,
  ...REFUND_EVENTS,
  ...CHECKOUT_EVENTS,
  ...CUSTOMER_EVENTS,
].sort();

export function stripeEventAction(event: StripeWebhookEvent): StripeEventAction {
  if (!isSafeStripeId(event.id)) return invalidId('event_id', event.id);
  if ((CUSTOMER_EVENTS as readonly string[]).includes(event.type) && event.data.object.object === 'customer') {
    if (!isSafeStripeId(event.data.object.id)) return invalidId('customer_id', event.data.object.id);
    return {
      kind: 'customer',
      customerId: event.data.object.id,
      eventId: event.id,
      created: event.created,
      ownWrite: isOwnStripeCustomerWrite(event.data.object),
    };
  }
  if ((REDUNDANT_STRIPE_EVENTS as readonly string[]).includes(event.type)) return { kind: 'skip', reason: 'redundant' };
  const rule = RULES.get(event.type);
  if (!rule) return { kind: 'skip', reason: 'unknown_type' };
  const object = event.data.object;
  const paymentIntentId = rule.paymentIntentOf(object);
  if (!paymentIntentId) return { kind: 'skip', reason: 'no_payment_intent' };
  if (!isSafeStripeId(object.id)) return invalidId('object_id', object.id);
  if (!isSafeStripeId(paymentIntentId)) return invalidId('payment_intent_id', paymentIntentId);
  return {
    kind: 'deliver',
    ref: {
      eventId: event.id,
      type: event.type,
      created: event.created,
      objectType: rule.objectType,
      objectId: object.id,
      paymentIntentId,
    },
    match: rule.plan(object),
  };
}

/**
 * The part of a signed customer snapshot the echo check reads. Anything missing or malformed says
 * "not ours": the change is then delivered and the sync reads the customer itself.
 */
const customerSnapshotSchema = z.object({
  email: z.string().nullable(),
  name: z.string().nullable(),
  phone: z.string().nullable(),
  address: z
    .object({
      line1: z.string().nullable().optional(),
      line2: z.string().nullable().optional(),
      postal_code: z.string().nullable().optional(),
      city: z.string().nullable().optional(),
      country: z.string().nullable().optional(),
    })
    .nullable(),
  metadata: z.record(z.string(), z.string()),
});

function isOwnStripeCustomerWrite(object: StripeObjectJson): boolean {
  const snapshot = customerSnapshotSchema.safeParse(object);
  return snapshot.success && isStripeSnapshotAsSynced(snapshot.data as StripeCustomerView);
}

function invalidId(field: InvalidIdField, value: unknown): StripeEventAction {
  return { kind: 'reject', reason: 'invalid_id', field, value: describeBadId(value) };
}

/** An expandable field: an id, the expanded object, or null. */
function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value || undefined;
  if (typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string')
    return (value as { id: string }).id;
  return undefined;
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [key, item] of Object.entries(value)) if (typeof item === 'string') out[key] = item;
  return out;
}
