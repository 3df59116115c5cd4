import { planIntent, type IntentFacts, type OrderFacts } from '../../src/payments/intentPlan';
import { toMonstockAmount, toStripeAmount } from '../../src/payments/money';

const order = (overrides: Partial<OrderFacts> = {}): OrderFacts => ({
  status: 'confirmed',
  totalAmount: 5000,
  amountPaid: 0,
  amountRefunded: 0,
  currency: 'EUR',
  ...overrides,
});
const intent = (overrides: Partial<IntentFacts> = {}): IntentFacts => ({
  id: 'pi_1',
  status: 'requires_payment_method',
  amount: 5000,
  currency: 'eur',
  ...overrides,
});
const on = { createIntents: true };

describe('planIntent', () => {
  it.each<[string, OrderFacts, IntentFacts | undefined, ReturnType<typeof planIntent>['kind'], number | undefined]>([
    ['a new order gets an intent for its total', order(), undefined, 'create', 5000],
    ['an open intent for the right amount is left alone', order(), intent(), 'nothing', undefined],
    ['lines changed before payment: the amount follows', order({ totalAmount: 6500 }), intent(), 'update_amount', 6500],
    [
      'paid, then the amount grows: a new intent for the balance',
      order({ totalAmount: 7000, amountPaid: 5000 }),
      intent({ status: 'succeeded' }),
      'create',
      2000,
    ],
    ['fully paid: nothing', order({ amountPaid: 5000 }), intent({ status: 'succeeded' }), 'nothing', undefined],
    [
      'cancelled before payment: the intent is cancelled',
      order({ status: 'cancelled' }),
      intent(),
      'cancel',
      undefined,
    ],
    [
      'cancelled after payment: flagged for a person',
      order({ status: 'cancelled', amountPaid: 5000 }),
      intent({ status: 'succeeded' }),
      'cancelled_after_payment',
      undefined,
    ],
    [
      'cancelled after a full refund: nothing',
      order({ status: 'cancelled', amountPaid: 5000, amountRefunded: 5000 }),
      intent({ status: 'succeeded' }),
      'nothing',
      undefined,
    ],
    [
      'a processing payment is never touched',
      order({ totalAmount: 9000 }),
      intent({ status: 'processing' }),
      'nothing',
      undefined,
    ],
    [
      'lines reduced to what was paid: the open intent is cancelled',
      order({ totalAmount: 2000, amountPaid: 2000 }),
      intent({ amount: 3000 }),
      'cancel',
      undefined,
    ],
    [
      'a declined intent is still open: its amount follows',
      order({ totalAmount: 4000 }),
      intent({ status: 'requires_payment_method' }),
      'update_amount',
      4000,
    ],
    ['a draft is not payable yet', order({ status: 'draft' }), undefined, 'nothing', undefined],
  ])('%s', (_label, orderFacts, intentFacts, kind, amount) => {
    const plan = planIntent(orderFacts, intentFacts, on);
    expect(plan.kind).toBe(kind);
    if (amount !== undefined) expect(plan).toMatchObject({ amount });
  });

  it('creates nothing when the shop takes payment itself, but still follows open intents', () => {
    expect(planIntent(order(), undefined, { createIntents: false }).kind).toBe('nothing');
    expect(planIntent(order({ status: 'cancelled' }), intent(), { createIntents: false }).kind).toBe('cancel');
  });
});

describe('planIntent in Monstock minor units', () => {
  it('compares an ISK intent by its converted amount: Stripe 500000 is ISK 5000, nothing to change', () => {
    const isk = intent({ currency: 'isk', amount: toMonstockAmount(500_000, 'isk') });
    expect(planIntent(order({ currency: 'ISK' }), isk, on).kind).toBe('nothing');
    const plan = planIntent(order({ currency: 'ISK', totalAmount: 6000 }), isk, on);
    expect(plan).toEqual({ kind: 'update_amount', intentId: 'pi_1', amount: 6000 });
    expect(toStripeAmount(6000, 'ISK')).toBe(600_000);
  });

  it('plans the KWD amount due as it is; converting it for Stripe refuses 1.235 KWD', () => {
    const plan = planIntent(order({ currency: 'KWD', totalAmount: 1235 }), undefined, on);
    expect(plan).toEqual({ kind: 'create', amount: 1235, captureMethod: 'automatic' });
    expect(() => toStripeAmount(1235, 'KWD')).toThrow(/not rounded/);
  });
});
