import {
  DEFAULT_MERCHANT_SHARES,
  NO_MERCHANT_FLOWS,
  OVER_ASK,
  planOrder,
  refundRequestExpected,
  storyOf,
  type OrderPlan,
} from '../../chaos/orderPlan';
import { linesFor } from '../../chaos/merchantFlows';
import { seededRandom } from '../../chaos/random';

const plansOf = (seed: number, count: number, shares = DEFAULT_MERCHANT_SHARES): OrderPlan[] => {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => planOrder(random, shares));
};

describe('chaos plan: merchant flows', () => {
  const plans = plansOf(11, 4000);
  const held = plans.filter((plan) => plan.capture !== undefined);
  const asking = plans.filter((plan) => plan.refundRequests.length > 0);

  it('gives the default shares to capture at shipment and to refund requests', () => {
    expect(held.length / plans.length).toBeGreaterThan(DEFAULT_MERCHANT_SHARES.captureAtShipment - 0.02);
    expect(held.length / plans.length).toBeLessThan(DEFAULT_MERCHANT_SHARES.captureAtShipment + 0.02);
    expect(asking.length / plans.length).toBeGreaterThan(DEFAULT_MERCHANT_SHARES.refundRequests - 0.02);
    expect(asking.length / plans.length).toBeLessThan(DEFAULT_MERCHANT_SHARES.refundRequests + 0.02);
  });

  it('ships, ships after removing a line, and cancels held orders, with nothing else done to them', () => {
    const kinds = new Set(held.map((plan) => plan.capture!.kind));
    expect([...kinds].sort()).toEqual(['cancel', 'reduceThenShip', 'ship']);
    for (const plan of held) {
      expect(plan).toMatchObject({ declinedFirst: false, dispute: 'none', refunds: [], refundRequests: [] });
      if (plan.capture!.kind !== 'reduceThenShip') continue;
      // The removed line leaves something to capture, and the lines add up to what the buyer authorised.
      expect(plan.capture!.removed).toBeGreaterThan(0);
      expect(plan.capture!.removed).toBeLessThan(plan.amount);
      const lines = linesFor(plan, 'SKU-1');
      expect(lines).toHaveLength(2);
      expect(lines.reduce((sum, line) => sum + line.unitAmount * line.quantity, 0)).toBe(plan.amount);
    }
  });

  it('asks refunds in full, in part, twice in part, and sometimes above what was paid (to be rejected)', () => {
    expect(new Set(asking.map(storyOf))).toEqual(
      new Set([
        'paid, refund requested in full',
        'paid, refund requested in part',
        'paid, refund requested in part 2 times',
        'paid, refund requested above the amount paid',
        'declined, then paid, refund requested in full',
        'declined, then paid, refund requested in part',
        'declined, then paid, refund requested in part 2 times',
        'declined, then paid, refund requested above the amount paid',
      ]),
    );
    for (const plan of asking) {
      expect(plan).toMatchObject({ dispute: 'none', refunds: [], capture: undefined });
      const expected = refundRequestExpected(plan);
      const overAsking = plan.refundRequests[0]! > plan.amount;
      // An over-asking request stands alone: rejected whatever order the connector takes them in.
      if (overAsking) {
        expect(plan.refundRequests).toEqual([plan.amount + OVER_ASK]);
        expect(expected).toEqual(['rejected']);
      } else {
        expect(plan.refundRequests.reduce((sum, amount) => sum + amount, 0)).toBeLessThanOrEqual(plan.amount);
        expect(expected.every((outcome) => outcome === 'succeeded')).toBe(true);
      }
    }
    expect(asking.some((plan) => refundRequestExpected(plan)[0] === 'rejected')).toBe(true);
  });

  it('refuses the second of two requests that together ask more than was paid', () => {
    const plan: OrderPlan = {
      amount: 1000,
      declinedFirst: false,
      dispute: 'none',
      refunds: [],
      capture: undefined,
      refundRequests: [700, 400],
    };
    expect(refundRequestExpected(plan)).toEqual(['succeeded', 'rejected']);
  });

  it('is the same for the same seed', () => {
    expect(plansOf(5, 200)).toEqual(plansOf(5, 200));
    expect(plansOf(5, 200)).not.toEqual(plansOf(6, 200));
  });

  it('turns the flows off entirely with zero shares, and then draws as before they existed', () => {
    const off = plansOf(11, 2000, NO_MERCHANT_FLOWS);
    expect(off.every((plan) => plan.capture === undefined && plan.refundRequests.length === 0)).toBe(true);
    // Without the flows, order n costs the generator the same draws as ever: amounts line up with
    // a generator drawing only the pre-existing choices.
    const random = seededRandom(11);
    const legacyAmounts = off.map(() => {
      const amount = random.int(5, 400) * 50;
      random.chance(0.1);
      if (random.next() < 0.08) random.next();
      return amount;
    });
    expect(off.map((plan) => plan.amount)).toEqual(legacyAmounts);
  });
});
