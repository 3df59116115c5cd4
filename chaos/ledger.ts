/**
 * The shop's own ledger of what it did, written by the driver as it acts, in memory, and handed
 * to the checker: the orders it registered, the payment intents it created for each (with the
 * metadata it sent), the declined attempts, refunds and disputes it performed. The checker's
 * expectation starts from here, not from what the connector or Monstock show.
 */
export interface LedgerDecline {
  /** The failed charge, as Stripe's card error named it (undefined if the error named none). */
  chargeId: string | undefined;
  paymentMethod: string;
}

export interface LedgerRefund {
  id: string;
  amount: number;
  /** The status Stripe answered the refund's creation with. */
  status: string;
}

export interface LedgerDispute {
  id: string;
  /** What the shop did with it: left open, or submitted winning or losing evidence. */
  outcome: 'open' | 'won' | 'lost';
}

export interface LedgerIntent {
  id: string;
  /** The metadata the shop sent when creating the intent. */
  metadata: Record<string, string>;
  amount: number;
  /** As the shop sent it to Stripe (lower case). */
  currency: string;
  /** The payment method of the attempt that paid. */
  paymentMethod: string;
  /** The status Stripe answered the paying confirmation with. */
  status: string;
  declines: LedgerDecline[];
  refunds: LedgerRefund[];
  disputes: LedgerDispute[];
  /** `manual`: held for capture at shipment (the connector captures or releases it, never the shop). */
  captureMethod?: 'automatic' | 'manual';
}

/** What the shop did with an order paid for capture at shipment. */
export interface LedgerCapture {
  outcome: 'shipped' | 'cancelled';
  /** The order's total due when the shop shipped it: what the connector must capture (none when cancelled). */
  amountDue: number | undefined;
  /** Whether the shop removed a line before shipping. */
  reduced: boolean;
}

/** A refund the shop asked for in Monstock (a refund request), for the connector to make in Stripe. */
export interface LedgerRefundRequest {
  id: string;
  amount: number;
  /** Monstock's form (upper case), like the order's. */
  currency: string;
  /** What the connector must end with: refunded, or refused because it asks more than is refundable. */
  expected: 'succeeded' | 'rejected';
}

export interface LedgerEntry {
  orderId: string;
  reference: string;
  /** What the shop ordered: the sum of the lines it sent (after removing any before shipping). */
  totalAmount: number;
  /** The order's currency, as the shop registered it in Monstock. */
  currency: string;
  intents: LedgerIntent[];
  story: string;
  /** Orders paid for capture at shipment only. */
  capture?: LedgerCapture;
  /** The order status the shop left the order in, when it changed it (shipped, cancelled). */
  orderStatus?: 'shipped' | 'cancelled';
  refundRequests?: LedgerRefundRequest[];
}

/** Which order the shop did each thing for: intent, declined charge, refund and dispute ids. */
export type LedgerIndex = ReadonlyMap<string, string>;

export function ledgerIndex(entries: readonly LedgerEntry[]): LedgerIndex {
  const index = new Map<string, string>();
  for (const entry of entries) {
    for (const ref of refsOf(entry)) index.set(ref, entry.orderId);
  }
  return index;
}

export function refsOf(entry: LedgerEntry): string[] {
  return entry.intents.flatMap((intent) => [
    intent.id,
    ...intent.declines.flatMap((decline) => (decline.chargeId ? [decline.chargeId] : [])),
    ...intent.refunds.map((refund) => refund.id),
    ...intent.disputes.map((dispute) => dispute.id),
  ]);
}
