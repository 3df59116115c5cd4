import { ServiceError } from '@temporalio/client';
import Stripe from 'stripe';
import { createUnmatchedActivities } from '../../src/activities/unmatched/unmatchedActivities';
import { monstockEventAction } from '../../src/events/monstockEventActions';
import { classifyRouteError } from '../../src/events/routeErrors';
import { stripeEventAction, type StripeWebhookEvent } from '../../src/events/stripeEventActions';
import type { OrderMatcher } from '../../src/matching/orderMatcher';
import { isSafeMonstockId, isSafeStripeId, unmatchedPaymentWorkflowId } from '../../src/shared/ids';
import { UNMATCHED_SCHEDULE_DEFAULTS } from '../../src/shared/orderPayment';
import { isLiveStripeKey } from '../../src/starter/stripe/route';
import { closeVerdict, nextInterval } from '../../src/workflows/unmatchedPayment/lifecycle';
import { NotFound } from '../../src/monstock/errors';
import {
  Counters,
  defineWebhookCounters,
  MAX_NOTED_WEBHOOK_EVENTS,
  WEBHOOK_COUNTERS,
} from '../../src/observability/counters';
import { renderProblemsBody } from '../../src/reports/problems';
import { WebhookHealth } from '../../src/reports/webhookHealth';
import { fakeLiveKey } from '../support/fakeKeys';

/**
 * Issue "Safe to deploy", 5, 6, 10: what no retry can cure ends at the edge (400 or 2xx), and an
 * unmatched payment ends too (closed or parked) at a bounded cost.
 */
describe('ids checked at the edge', () => {
  it.each(['pi_3QxAbc2eZvKYlo2C0u1Vw9qa', 'evt_1NG8Du2eZvKYlo2CUI79vXWy', 'cs_test_a1B2c3', 'cus_Ra1', 'py_1'])(
    'takes the Stripe id %p',
    (id) => expect(isSafeStripeId(id)).toBe(true),
  );

  it.each([
    ['empty', ''],
    ['no prefix', '3QxAbc'],
    ['2,000 characters', `pi_${'A'.repeat(1997)}`],
    ['a slash', 'pi_abc/def'],
    ['a space', 'pi_abc def'],
    ['non-ASCII', 'pi_abcé'],
    ['an upper-case prefix', 'PI_abc'],
  ])('refuses a Stripe id with %s', (_, id) => expect(isSafeStripeId(id)).toBe(false));

  it('keeps every accepted id well inside Temporal’s 1,000-byte workflow id', () => {
    const longest = `${'a'.repeat(16)}_${'A'.repeat(255)}`;
    expect(isSafeStripeId(longest)).toBe(true);
    expect(Buffer.byteLength(unmatchedPaymentWorkflowId('a'.repeat(32), longest))).toBeLessThan(1000);
  });

  it('takes Monstock ids and refuses the unsafe ones', () => {
    expect(isSafeMonstockId('ord_4f8Kq2LmZp0aB1cD2eF3')).toBe(true);
    expect(isSafeMonstockId('A-1042')).toBe(true);
    for (const id of ['', '_lead', 'ord/1', 'ord 1', 'x'.repeat(129), 'ordé']) expect(isSafeMonstockId(id)).toBe(false);
  });

  const intentEvent = (id: string, objectId: string): StripeWebhookEvent => ({
    id,
    type: 'payment_intent.succeeded',
    created: 1_764_236_400,
    data: { object: { id: objectId, object: 'payment_intent', metadata: {} } },
  });

  it('rejects Stripe events by the id that fails, whatever their type', () => {
    expect(stripeEventAction(intentEvent(`evt_${'x'.repeat(1996)}`, 'pi_1'))).toMatchObject({
      kind: 'reject',
      reason: 'invalid_id',
      field: 'event_id',
    });
    expect(stripeEventAction(intentEvent('evt_1', `pi_${'A'.repeat(1997)}`))).toMatchObject({
      kind: 'reject',
      field: 'object_id',
    });
    expect(
      stripeEventAction({
        id: 'evt_2',
        type: 'charge.refunded',
        created: 1,
        data: { object: { id: 'ch_1', object: 'charge', payment_intent: 'pi_a b' } },
      }),
    ).toMatchObject({ kind: 'reject', field: 'payment_intent_id' });
    expect(
      stripeEventAction({
        id: 'evt_3',
        type: 'customer.updated',
        created: 1,
        data: { object: { id: 'cus_../x', object: 'customer' } },
      }),
    ).toMatchObject({ kind: 'reject', field: 'customer_id' });
    // The value is cut short for logs and the answer.
    const rejected = stripeEventAction(intentEvent(`evt_${'x'.repeat(1996)}`, 'pi_1'));
    expect(rejected.kind === 'reject' && rejected.value.length).toBeLessThan(80);
    expect(stripeEventAction(intentEvent('evt_ok', 'pi_ok'))).toMatchObject({ kind: 'deliver' });
  });

  it('rejects Monstock events whose event, order or customer id is unsafe', () => {
    const order = (id: string, orderId: string) => ({
      id,
      type: 'order.updated',
      createdAt: '2026-01-01T00:00:00Z',
      data: { object: { id: orderId, version: 1, updatedAt: '2026-01-01T00:00:00Z' } },
    });
    expect(monstockEventAction(order('evt_1', `ord_${'a'.repeat(2000)}`))).toMatchObject({
      kind: 'reject',
      reason: 'invalid_id',
      field: 'order_id',
    });
    expect(monstockEventAction(order('evt 1', 'ord_1'))).toMatchObject({ kind: 'reject', field: 'event_id' });
    expect(
      monstockEventAction({
        id: 'evt_2',
        type: 'customer.updated',
        createdAt: '2026-01-01T00:00:00Z',
        data: { object: { id: 'mcu/1' } },
      }),
    ).toMatchObject({ kind: 'reject', field: 'customer_id' });
    expect(monstockEventAction(order('evt_1', 'ord_1'))).toMatchObject({ kind: 'order' });
  });
});

describe('livemode', () => {
  it('takes sk_live_ and rk_live_ keys as live, any other as test', () => {
    expect(isLiveStripeKey(fakeLiveKey('sk', 'abc'))).toBe(true);
    expect(isLiveStripeKey(fakeLiveKey('rk', 'abc'))).toBe(true);
    expect(isLiveStripeKey('sk_test_abc')).toBe(false);
    expect(isLiveStripeKey('rk_test_abc')).toBe(false);
  });
});

describe('what a route answers when delivery throws', () => {
  const stripeError = (statusCode: number | undefined, type = 'StripeAPIError') =>
    Stripe.errors.StripeError.generate({ type: type as 'api_error', message: 'x', statusCode } as never);

  it.each([
    ['Stripe 500', true, stripeError(500)],
    ['Stripe 429', true, stripeError(429)],
    ['Stripe unreachable', true, new Stripe.errors.StripeConnectionError({ message: 'socket hang up' })],
    ['the answer deadline', true, new Error('handing the event to Temporal took too long')],
    ['Temporal unavailable', true, Object.assign(new Error('unavailable'), { code: 14, details: '', metadata: {} })],
    ['Temporal deadline', true, Object.assign(new Error('deadline'), { code: 4, details: '', metadata: {} })],
    ['a Temporal connection error', true, new ServiceError('Failed to connect before the deadline')],
    ['Stripe 401 (our key)', false, stripeError(401, 'StripeAuthenticationError')],
    [
      'Temporal invalid argument',
      false,
      Object.assign(new Error('id too long'), { code: 3, details: '', metadata: {} }),
    ],
    ['Stripe 400', false, stripeError(400, 'StripeInvalidRequestError')],
    ['Monstock 404', false, new NotFound({ message: 'no', status: 404, code: 'not_found' }, 'order', 'ord_1')],
    ['a bug', false, new TypeError('cannot read properties of undefined')],
  ])('%s → retried (503): %p', (_, retry, error) => {
    expect(classifyRouteError(error).retry).toBe(retry);
  });
});

describe('unmatched payment lifecycle', () => {
  const schedule = UNMATCHED_SCHEDULE_DEFAULTS;
  const now = Date.parse('2026-06-01T00:00:00Z');
  const created = (daysAgo: number) => Math.floor((now - daysAgo * 86_400_000) / 1000);

  it('closes what never moved money, another channel’s payment, and what Stripe does not know', () => {
    expect(
      closeVerdict({ intent: { status: 'canceled', created: created(0), moneyMoved: false } }, now, schedule),
    ).toMatchObject({ reason: 'no_money_moved' });
    expect(
      closeVerdict(
        { intent: { status: 'requires_payment_method', created: created(8), moneyMoved: false } },
        now,
        schedule,
      ),
    ).toMatchObject({ reason: 'no_money_moved' });
    expect(closeVerdict({ notOurs: 'an invoice' }, now, schedule)).toMatchObject({ reason: 'not_ours' });
    expect(closeVerdict({ missing: true }, now, schedule)).toMatchObject({ reason: 'not_in_stripe' });
  });

  it('keeps looking for what moved money, and for a young intent still waiting for its payment', () => {
    expect(
      closeVerdict(
        { intent: { status: 'requires_payment_method', created: created(1), moneyMoved: false } },
        now,
        schedule,
      ),
    ).toBeUndefined();
    expect(
      closeVerdict({ intent: { status: 'succeeded', created: created(60), moneyMoved: true } }, now, schedule),
    ).toBeUndefined();
    // Canceled after money moved (a captured part): a person must see it.
    expect(
      closeVerdict({ intent: { status: 'canceled', created: created(1), moneyMoved: true } }, now, schedule),
    ).toBeUndefined();
    expect(closeVerdict({}, now, schedule)).toBeUndefined();
  });

  it('backs off 1 h, doubling, capped at 1 day: a bounded number of looks in 30 days', () => {
    let wait = schedule.firstLookAfterMs;
    let elapsed = 0;
    let looks = 0;
    const waits: number[] = [];
    while (elapsed < schedule.parkAfterMs) {
      elapsed += wait;
      looks += 1;
      waits.push(wait / 3_600_000);
      wait = nextInterval(wait, schedule);
    }
    expect(waits.slice(0, 7)).toEqual([1, 2, 4, 8, 16, 24, 24]);
    expect(looks).toBeLessThanOrEqual(35);
  });

  describe('reviewUnmatchedPayment', () => {
    const intent = (fields: Partial<Stripe.PaymentIntent> & Record<string, unknown>) =>
      ({
        id: 'pi_1',
        status: 'succeeded',
        created: created(1),
        amount_received: 1000,
        latest_charge: null,
        metadata: {},
        ...fields,
      }) as unknown as Stripe.PaymentIntent;

    function activities(retrieve: () => Promise<Stripe.PaymentIntent>) {
      let reads = 0;
      const stripe = {
        paymentIntents: {
          retrieve: async () => {
            reads += 1;
            return retrieve();
          },
        },
      } as unknown as Stripe;
      const matcher = {
        match: async () => ({ kind: 'unmatched', reason: 'no match rule found a value on the payment' }),
      } as unknown as OrderMatcher;
      const created = createUnmatchedActivities({
        stripe,
        matcher,
        monstock: {} as never,
        deliverToOrder: async () => undefined,
      });
      return { review: created.reviewUnmatchedPayment, reads: () => reads };
    }

    it('calls an invoice’s payment not ours, in one Stripe read', async () => {
      const { review, reads } = activities(async () => intent({ invoice: 'in_1Abc' }));
      const found = await review({ paymentIntentId: 'pi_1' });
      expect(found.notOurs).toMatch(/invoice in_1Abc/);
      expect(found.intent).toMatchObject({ moneyMoved: true });
      expect(reads()).toBe(1);
    });

    it('says when Stripe does not know the intent', async () => {
      const { review } = activities(async () => {
        throw Stripe.errors.StripeError.generate({
          type: 'invalid_request_error',
          message: 'No such payment_intent',
          statusCode: 404,
        } as never);
      });
      expect(await review({ paymentIntentId: 'pi_1' })).toMatchObject({ missing: true });
    });

    it('reads whether money moved from the intent and its latest charge', async () => {
      const canceled = activities(async () => intent({ status: 'canceled', amount_received: 0 }));
      expect((await canceled.review({ paymentIntentId: 'pi_1' })).intent).toMatchObject({ moneyMoved: false });
      const pending = activities(async () =>
        intent({
          status: 'requires_payment_method',
          amount_received: 0,
          latest_charge: { id: 'py_1', status: 'pending', paid: false } as Stripe.Charge,
        }),
      );
      expect((await pending.review({ paymentIntentId: 'pi_1' })).intent).toMatchObject({ moneyMoved: true });
    });
  });
});

describe('the problems page', () => {
  it('lists the last events no retry can deliver, from the counters the routes share', () => {
    const counters = defineWebhookCounters(new Counters());
    const health = new WebhookHealth(counters, { sources: ['stripe', 'monstock'] });
    counters.inc(WEBHOOK_COUNTERS.ignored, { source: 'stripe', reason: 'object_not_found' });
    counters.note({
      source: 'stripe',
      reason: 'object_not_found',
      eventId: 'evt_gone_1',
      type: 'charge.refunded',
      paymentIntentId: 'pi_<gone>',
      status: 200,
    });
    for (let index = 0; index < 30; index += 1)
      counters.note({
        source: 'monstock',
        reason: 'invalid_id',
        eventId: `evt_${index}`,
        type: 'order.updated',
        status: 400,
      });
    const webhooks = health.snapshot();
    expect(webhooks.find((w) => w.source === 'stripe')?.recent).toEqual([
      expect.objectContaining({ eventId: 'evt_gone_1', reason: 'object_not_found' }),
    ]);
    // Bounded, newest first.
    const monstock = webhooks.find((w) => w.source === 'monstock')?.recent ?? [];
    expect(monstock).toHaveLength(MAX_NOTED_WEBHOOK_EVENTS);
    expect(monstock[0]?.eventId).toBe('evt_29');
    const html = renderProblemsBody(
      { sections: [], webhooks, checkedAt: '2026-06-01T00:00:00.000Z' },
      { temporalUiUrl: 'http://ui', namespace: 'default', connectionId: 'default', stripeTestMode: true },
    );
    expect(html).toContain('data-reason="object_not_found"');
    expect(html).toContain('pi_&lt;gone&gt;');
  });
});
