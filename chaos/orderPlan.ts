import type { Random } from './random';

/**
 * What the shop does with each order, drawn from the seeded generator: paid (some declined once
 * first), refunded in Stripe, disputed; and the merchant's own flows through Monstock: a share
 * paid with capture at shipment (then shipped as is, shipped after a line was removed, or
 * cancelled before shipment), a share refunded by refund requests made in Monstock (one of
 * them asking more than was paid, which the connector must reject).
 */
export type CapturePlan =
  | { kind: 'ship' }
  /** The shop removes a line of `removed` before shipping: the connector captures the rest. */
  | { kind: 'reduceThenShip'; removed: number }
  | { kind: 'cancel' };

export interface OrderPlan {
  amount: number;
  declinedFirst: boolean;
  dispute: 'none' | 'open' | 'won' | 'lost';
  /** Refunds the shop makes in Stripe. */
  refunds: number[];
  /** Undefined: captured at once (automatic). */
  capture: CapturePlan | undefined;
  /** Amounts the shop asks to refund through Monstock's refund requests. */
  refundRequests: number[];
}

/** Shares of all orders given to the merchant's Monstock-side flows; zero turns a flow off. */
export interface MerchantShares {
  captureAtShipment: number;
  refundRequests: number;
}

export const DEFAULT_MERCHANT_SHARES: MerchantShares = { captureAtShipment: 0.15, refundRequests: 0.1 };
export const NO_MERCHANT_FLOWS: MerchantShares = { captureAtShipment: 0, refundRequests: 0 };

/** Over-asking requests ask this much more than was paid: never refundable, whatever the order of processing. */
export const OVER_ASK = 50;

/**
 * Pure: what happens to one order. With both shares zero no extra number is drawn, so a seed
 * gives the same orders it gave before the merchant flows existed.
 */
export function planOrder(random: Random, shares: MerchantShares = DEFAULT_MERCHANT_SHARES): OrderPlan {
  const amount = random.int(5, 400) * 50;
  const declinedFirst = random.chance(0.1);
  const roll = random.next();
  const plain = {
    amount,
    declinedFirst,
    dispute: 'none' as const,
    refunds: [],
    capture: undefined,
    refundRequests: [],
  };
  if (shares.captureAtShipment > 0 || shares.refundRequests > 0) {
    const flow = random.next();
    if (flow < shares.captureAtShipment)
      return { ...plain, declinedFirst: false, capture: capturePlan(random, amount) };
    if (flow < shares.captureAtShipment + shares.refundRequests)
      return { ...plain, refundRequests: refundRequestPlan(random, amount) };
  }
  if (roll < 0.08) {
    const outcome = random.next();
    return { ...plain, dispute: outcome < 0.5 ? 'open' : outcome < 0.75 ? 'won' : 'lost' };
  }
  if (roll < 0.18) return { ...plain, refunds: [amount] };
  if (roll < 0.33) return { ...plain, refunds: [Math.floor(amount / 3)] };
  if (roll < 0.38) return { ...plain, refunds: [Math.floor(amount / 4), Math.floor(amount / 5)] };
  return plain;
}

function capturePlan(random: Random, amount: number): CapturePlan {
  const roll = random.next();
  if (roll < 0.4) return { kind: 'ship' };
  // The removed line is a quarter of the order, in whole units of 50.
  if (roll < 0.7) return { kind: 'reduceThenShip', removed: Math.max(50, Math.floor(amount / 4 / 50) * 50) };
  return { kind: 'cancel' };
}

function refundRequestPlan(random: Random, amount: number): number[] {
  const roll = random.next();
  if (roll < 0.3) return [amount];
  if (roll < 0.6) return [Math.floor(amount / 3)];
  if (roll < 0.88) return [Math.floor(amount / 4), Math.floor(amount / 5)];
  return [amount + OVER_ASK];
}

/** Whether the connector must honour a request: only while it stays within what was paid and not yet refunded. */
export function refundRequestExpected(plan: OrderPlan): Array<'succeeded' | 'rejected'> {
  let left = plan.amount;
  return plan.refundRequests.map((asked) => {
    if (asked > left) return 'rejected';
    left -= asked;
    return 'succeeded';
  });
}

export function storyOf(plan: OrderPlan): string {
  const parts = [plan.declinedFirst ? 'declined, then paid' : 'paid'];
  if (plan.capture) {
    parts[0] = 'authorised';
    parts.push(
      plan.capture.kind === 'ship'
        ? 'shipped'
        : plan.capture.kind === 'reduceThenShip'
          ? 'reduced, then shipped'
          : 'cancelled before shipment',
    );
  }
  if (plan.refunds.length === 1) parts.push(plan.refunds[0] === plan.amount ? 'refunded in full' : 'refunded in part');
  if (plan.refunds.length > 1) parts.push(`refunded in part ${plan.refunds.length} times`);
  const requests = plan.refundRequests;
  if (requests.length === 1 && requests[0]! > plan.amount) parts.push('refund requested above the amount paid');
  else if (requests.length === 1)
    parts.push(requests[0] === plan.amount ? 'refund requested in full' : 'refund requested in part');
  if (requests.length > 1) parts.push(`refund requested in part ${requests.length} times`);
  if (plan.dispute !== 'none') parts.push(`disputed${plan.dispute === 'open' ? '' : `, ${plan.dispute}`}`);
  return parts.join(', ');
}
