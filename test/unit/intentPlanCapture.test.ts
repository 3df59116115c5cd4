import {
  captureMethodFor,
  planIntent,
  type CaptureMode,
  type IntentFacts,
  type IntentPlan,
  type OrderFacts,
} from '../../src/payments/intentPlan';

const order = (overrides: Partial<OrderFacts> = {}): OrderFacts => ({
  status: 'confirmed',
  paymentCapture: 'on_shipment',
  totalAmount: 5000,
  amountPaid: 0,
  amountRefunded: 0,
  currency: 'EUR',
  ...overrides,
});
const authorised = (overrides: Partial<IntentFacts> = {}): IntentFacts => ({
  id: 'pi_held',
  status: 'requires_capture',
  amount: 5000,
  amountCapturable: 5000,
  currency: 'eur',
  ...overrides,
});
const options = (capture: CaptureMode = 'automatic') => ({ createIntents: true, capture });

describe('planIntent: capture at shipment', () => {
  it.each<[string, OrderFacts, IntentFacts | undefined, IntentPlan]>([
    [
      'authorised, not shipped: it waits',
      order({ status: 'preparing' }),
      authorised(),
      { kind: 'nothing', why: 'authorised; captured at shipment' },
    ],
    [
      'authorised, lines changed before shipment: it still waits',
      order({ status: 'confirmed', totalAmount: 3000 }),
      authorised(),
      { kind: 'nothing', why: 'authorised; captured at shipment' },
    ],
    [
      'shipped: captured in full',
      order({ status: 'shipped' }),
      authorised(),
      { kind: 'capture', intentId: 'pi_held', amountToCapture: 5000, why: 'shipped: capturing in full' },
    ],
    [
      'delivered without shipped: captured in full',
      order({ status: 'delivered' }),
      authorised(),
      { kind: 'capture', intentId: 'pi_held', amountToCapture: 5000, why: 'shipped: capturing in full' },
    ],
    [
      'lines reduced, then shipped: captures what is due, the rest is released',
      order({ status: 'shipped', totalAmount: 3200 }),
      authorised(),
      {
        kind: 'capture',
        intentId: 'pi_held',
        amountToCapture: 3200,
        why: 'shipped: capturing the amount due, the rest is released',
      },
    ],
    [
      'total raised above the authorisation: captures all of it, the balance gets a new intent',
      order({ status: 'shipped', totalAmount: 6500 }),
      authorised(),
      {
        kind: 'capture',
        intentId: 'pi_held',
        amountToCapture: 5000,
        balance: 1500,
        why: 'shipped: capturing the whole authorisation, a new intent asks for the balance',
      },
    ],
    [
      'the intent amount differs from what is capturable: the capturable amount counts',
      order({ status: 'shipped', totalAmount: 6000 }),
      authorised({ amount: 6000, amountCapturable: 4000 }),
      {
        kind: 'capture',
        intentId: 'pi_held',
        amountToCapture: 4000,
        balance: 2000,
        why: 'shipped: capturing the whole authorisation, a new intent asks for the balance',
      },
    ],
    [
      'shipped with part paid elsewhere: captures only the rest due',
      order({ status: 'shipped', amountPaid: 1000 }),
      authorised(),
      {
        kind: 'capture',
        intentId: 'pi_held',
        amountToCapture: 4000,
        why: 'shipped: capturing the amount due, the rest is released',
      },
    ],
    [
      'shipped, everything paid elsewhere: the hold is released',
      order({ status: 'shipped', amountPaid: 5000 }),
      authorised(),
      { kind: 'cancel', intentId: 'pi_held', why: 'shipped with nothing due: the authorisation is released' },
    ],
    [
      'cancelled before shipment: the authorisation is released',
      order({ status: 'cancelled' }),
      authorised(),
      { kind: 'cancel', intentId: 'pi_held', why: 'the order was cancelled: the authorisation is released' },
    ],
    [
      'a new on_shipment order: the intent only authorises',
      order(),
      undefined,
      { kind: 'create', amount: 5000, captureMethod: 'manual' },
    ],
    [
      'a new automatic order: captured at payment',
      order({ paymentCapture: 'automatic' }),
      undefined,
      { kind: 'create', amount: 5000, captureMethod: 'automatic' },
    ],
    [
      'an expired authorisation on an unshipped order: a new intent asks again, authorising only',
      order(),
      authorised({ status: 'canceled', amountCapturable: 0 }),
      { kind: 'create', amount: 5000, captureMethod: 'manual' },
    ],
  ])('%s', (_label, orderFacts, intentFacts, expected) => {
    expect(planIntent(orderFacts, intentFacts, options())).toEqual(expected);
  });

  it.each<[OrderFacts['paymentCapture'], CaptureMode, OrderFacts['status'], 'automatic' | 'manual']>([
    [undefined, 'automatic', 'confirmed', 'automatic'],
    [undefined, 'on_shipment', 'confirmed', 'manual'],
    ['automatic', 'on_shipment', 'confirmed', 'automatic'],
    ['on_shipment', 'automatic', 'preparing', 'manual'],
    // Already shipped: nothing left to wait for, the payment is captured when made.
    ['on_shipment', 'automatic', 'shipped', 'automatic'],
    [undefined, 'on_shipment', 'delivered', 'automatic'],
  ])('order says %s, connection default %s, status %s: capture method %s', (own, fallback, status, expected) => {
    expect(captureMethodFor(order({ paymentCapture: own, status }), fallback)).toBe(expected);
  });

  it('an order without paymentCapture follows the connection default', () => {
    const withoutOwn = order();
    delete withoutOwn.paymentCapture;
    expect(planIntent(withoutOwn, undefined, options('on_shipment'))).toEqual({
      kind: 'create',
      amount: 5000,
      captureMethod: 'manual',
    });
    expect(planIntent(withoutOwn, undefined, options('automatic'))).toEqual({
      kind: 'create',
      amount: 5000,
      captureMethod: 'automatic',
    });
  });
});
