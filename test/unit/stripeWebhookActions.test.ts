import {
  HANDLED_STRIPE_EVENT_TYPES,
  stripeEventAction,
  type MatchPlan,
  type StripeObjectJson,
  type StripeWebhookEvent,
} from '../../src/events/stripeEventActions';
import { fingerprint } from '../../src/customers/fingerprint';
import type { StripeEventRef } from '../../src/shared/orderPayment';

/**
 * The action table, one Stripe-shaped fixture per handled event type: which payment intent the
 * event concerns, and what the order matcher gets from the event itself.
 */
const PI = 'pi_3QxAbc2eZvKYlo2C0u1Vw9qa';
const CREATED = 1_764_236_400;

function event(type: string, object: StripeObjectJson): StripeWebhookEvent {
  return {
    id: `evt_${type.replace(/\./g, '_')}`,
    type,
    created: CREATED,
    api_version: '2026-10-28.endive',
    data: { object },
  };
}

function paymentIntent(
  status: string,
  metadata: Record<string, string> = { monstock_order_id: 'ord_42' },
): StripeObjectJson {
  return {
    id: PI,
    object: 'payment_intent',
    amount: 4200,
    amount_capturable: 0,
    amount_received: status === 'succeeded' ? 4200 : 0,
    currency: 'eur',
    customer: 'cus_Ra1',
    latest_charge: status === 'requires_payment_method' ? null : 'ch_3QxAbc2eZvKYlo2C0x',
    livemode: false,
    metadata,
    payment_method: 'pm_1QxAbc',
    status,
  };
}

function charge(status: string, paymentIntentField: unknown = PI): StripeObjectJson {
  return {
    id: 'ch_3QxAbc2eZvKYlo2C0x',
    object: 'charge',
    amount: 4200,
    amount_refunded: 0,
    balance_transaction: 'txn_1',
    billing_details: { email: 'ada@example.com', name: 'Ada Lovelace' },
    currency: 'eur',
    metadata: {},
    paid: status === 'succeeded',
    payment_intent: paymentIntentField,
    payment_method_details: { type: 'card', card: { brand: 'visa', last4: '4242' } },
    refunded: false,
    status,
  };
}

function refund(status: string): StripeObjectJson {
  return {
    id: 're_3QxAbc2eZvKYlo2C1r',
    object: 'refund',
    amount: 2100,
    charge: 'ch_3QxAbc2eZvKYlo2C0x',
    currency: 'eur',
    metadata: {},
    payment_intent: PI,
    reason: 'requested_by_customer',
    status,
  };
}

function dispute(status: string): StripeObjectJson {
  return {
    id: 'dp_1QxAbc',
    object: 'dispute',
    amount: 4200,
    charge: 'ch_3QxAbc2eZvKYlo2C0x',
    currency: 'eur',
    evidence: {},
    payment_intent: PI,
    reason: 'fraudulent',
    status,
  };
}

function checkoutSession(paymentStatus: string, overrides: Record<string, unknown> = {}): StripeObjectJson {
  return {
    id: 'cs_test_a1b2c3',
    object: 'checkout.session',
    amount_total: 4200,
    client_reference_id: 'cart-77',
    currency: 'eur',
    customer_details: { email: 'ada@example.com', name: 'Ada Lovelace' },
    metadata: { cart: '77' },
    mode: 'payment',
    payment_intent: PI,
    payment_status: paymentStatus,
    status: 'complete',
    ...overrides,
  };
}

const byId: MatchPlan = { by: 'payment_intent_id' };
const byIntent: MatchPlan = { by: 'intent', intent: { id: PI, metadata: { monstock_order_id: 'ord_42' } } };
const byCheckout: MatchPlan = { by: 'checkout', checkout: { clientReferenceId: 'cart-77', metadata: { cart: '77' } } };

const HANDLED: Array<
  [type: string, object: StripeObjectJson, objectType: StripeEventRef['objectType'], plan: MatchPlan]
> = [
  ['payment_intent.amount_capturable_updated', paymentIntent('requires_capture'), 'payment_intent', byIntent],
  ['payment_intent.canceled', paymentIntent('canceled'), 'payment_intent', byIntent],
  ['payment_intent.partially_funded', paymentIntent('requires_payment_method'), 'payment_intent', byIntent],
  ['payment_intent.payment_failed', paymentIntent('requires_payment_method'), 'payment_intent', byIntent],
  ['payment_intent.processing', paymentIntent('processing'), 'payment_intent', byIntent],
  ['payment_intent.requires_action', paymentIntent('requires_action'), 'payment_intent', byIntent],
  ['payment_intent.succeeded', paymentIntent('succeeded'), 'payment_intent', byIntent],
  ['charge.captured', charge('succeeded'), 'charge', byId],
  ['charge.expired', charge('failed'), 'charge', byId],
  ['charge.refunded', { ...charge('succeeded'), amount_refunded: 4200, refunded: true }, 'charge', byId],
  // An expanded payment_intent counts the same as its id.
  ['charge.updated', charge('succeeded'), 'charge', byId],
  ['charge.dispute.closed', dispute('lost'), 'dispute', byId],
  ['charge.dispute.created', dispute('needs_response'), 'dispute', byId],
  ['charge.dispute.funds_reinstated', dispute('won'), 'dispute', byId],
  ['charge.dispute.funds_withdrawn', dispute('needs_response'), 'dispute', byId],
  ['charge.dispute.updated', dispute('under_review'), 'dispute', byId],
  ['charge.refund.updated', refund('succeeded'), 'refund', byId],
  ['refund.created', refund('pending'), 'refund', byId],
  ['refund.failed', refund('failed'), 'refund', byId],
  ['refund.updated', refund('succeeded'), 'refund', byId],
  ['checkout.session.async_payment_failed', checkoutSession('unpaid'), 'checkout.session', byCheckout],
  ['checkout.session.async_payment_succeeded', checkoutSession('paid'), 'checkout.session', byCheckout],
  ['checkout.session.completed', checkoutSession('paid'), 'checkout.session', byCheckout],
];

describe('stripe event action table', () => {
  it.each(HANDLED)('%s is delivered with its payment intent', (type, object, objectType, plan) => {
    const action = stripeEventAction(event(type, object));
    expect(action).toEqual({
      kind: 'deliver',
      ref: {
        eventId: `evt_${type.replace(/\./g, '_')}`,
        type,
        created: CREATED,
        objectType,
        objectId: object.id,
        paymentIntentId: PI,
      },
      match: plan,
    });
  });

  it.each(['customer.created', 'customer.updated'])(
    '%s goes to customer sync with the customer id and the event time',
    (type) => {
      expect(
        stripeEventAction(event(type, { id: 'cus_Ra1', object: 'customer', email: 'ada@example.com', metadata: {} })),
      ).toEqual({
        kind: 'customer',
        customerId: 'cus_Ra1',
        eventId: `evt_${type.replace(/\./g, '_')}`,
        created: CREATED,
        // Not linked: a change to sync.
        ownWrite: false,
      });
    },
  );

  it("marks the connector's own write: linked, and the fields still hash to the fingerprint it stored", () => {
    const synced = {
      id: 'cus_Ra1',
      object: 'customer',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      phone: null,
      address: null,
      metadata: {
        monstock_customer_id: 'mcu_1',
        monstock_sync_hash: fingerprint({ email: 'ada@example.com', name: 'Ada Lovelace' }),
      },
    };
    const ownWriteOf = (object: Record<string, unknown>) => {
      const action = stripeEventAction(event('customer.updated', { ...synced, ...object }));
      return action.kind === 'customer' ? action.ownWrite : 'not a customer change';
    };
    expect(ownWriteOf({})).toBe(true);
    expect(ownWriteOf({ name: 'Ada King' })).toBe(false);
    expect(ownWriteOf({ metadata: { ...synced.metadata, monstock_sync_hash: 'v1:other' } })).toBe(false);
    expect(ownWriteOf({ metadata: { monstock_sync_hash: synced.metadata.monstock_sync_hash } })).toBe(false);
    expect(ownWriteOf({ phone: 42 })).toBe(false);
  });

  it('has a fixture above for exactly the types it handles (the managed endpoint subscribes to these)', () => {
    expect([...HANDLED_STRIPE_EVENT_TYPES].sort()).toEqual(
      [...HANDLED.map(([type]) => type), 'customer.created', 'customer.updated'].sort(),
    );
  });

  it.each([
    ['customer.deleted', { id: 'cus_Ra1', object: 'customer', deleted: true }],
    ['checkout.session.expired', checkoutSession('unpaid', { status: 'expired' })],
    ['invoice.paid', { id: 'in_1', object: 'invoice', payment_intent: PI }],
  ])('%s is an unknown type: acknowledged, not delivered', (type, object) => {
    expect(stripeEventAction(event(type, object))).toEqual({ kind: 'skip', reason: 'unknown_type' });
  });

  it.each([
    ['charge.refunded', charge('succeeded', null)],
    ['refund.created', { ...refund('succeeded'), payment_intent: null }],
    ['charge.dispute.created', { ...dispute('needs_response'), payment_intent: null }],
    ['checkout.session.completed', checkoutSession('paid', { payment_intent: null })],
    [
      'checkout.session.completed',
      checkoutSession('paid', { mode: 'subscription', payment_intent: null, subscription: 'sub_1' }),
    ],
    ['checkout.session.completed', checkoutSession('no_payment_required', { mode: 'setup', payment_intent: null })],
  ])('%s without a payment intent is acknowledged as no_payment_intent', (type, object) => {
    expect(stripeEventAction(event(type, object))).toEqual({ kind: 'skip', reason: 'no_payment_intent' });
  });

  it.each([
    ['payment_intent.created', paymentIntent('requires_payment_method')],
    ['charge.succeeded', charge('succeeded')],
    ['charge.pending', charge('pending')],
    ['charge.failed', charge('failed')],
  ])(
    '%s only echoes an intent event: acknowledged as redundant, not delivered (each delivery is a billed signal)',
    (type, object) => {
      expect(stripeEventAction(event(type, object))).toEqual({ kind: 'skip', reason: 'redundant' });
      expect(HANDLED_STRIPE_EVENT_TYPES).not.toContain(type);
    },
  );

  it('passes only string metadata to the matcher', () => {
    const action = stripeEventAction(
      event('payment_intent.succeeded', {
        ...paymentIntent('succeeded'),
        metadata: { monstock_order_id: 'ord_1', weird: 3 },
      }),
    );
    expect(action).toMatchObject({ match: { by: 'intent', intent: { metadata: { monstock_order_id: 'ord_1' } } } });
  });
});
