/**
 * What the connector needs to know of one payment intent, read fresh from Stripe: the intent,
 * its charges, refunds and disputes. Built by an activity from the latest objects (never from a
 * webhook's possibly stale copy), small and free of card data, so it can enter workflow history.
 */
export interface ChargeSnapshot {
  id: string;
  status: 'succeeded' | 'pending' | 'failed' | string;
  amount: number;
  currency: string;
  created: number;
  /** false while only authorised (manual capture); absent on snapshots from before it was read. */
  captured?: boolean;
  /** When an uncaptured card authorisation lapses (unix seconds): `payment_method_details.card.capture_before`. */
  captureBefore?: number;
  /** Stripe's payment method type: card, sepa_debit, ... */
  methodType?: string;
  /** "visa ****4242", "sepa_debit ****3000": never more than the last four digits. */
  methodDetails?: string;
  failureCode?: string;
  failureMessage?: string;
  declineCode?: string;
  /** Stripe's fee on the charge, in `settlementCurrency` (Stripe's unit), once the balance transaction exists. */
  feeAmount?: number;
  /** Amount less fee, in `settlementCurrency` (Stripe's unit). */
  netAmount?: number;
  /**
   * The balance transaction's currency (lower case, as Stripe writes it): that of fee and net.
   * Differs from `currency` when Stripe converted the charge to settle it in another currency.
   */
  settlementCurrency?: string;
}

export interface RefundSnapshot {
  id: string;
  status: 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled' | string;
  amount: number;
  currency: string;
  created: number;
  failureReason?: string;
  /** The Monstock refund request it was made for (its metadata), when the connector made it for one. */
  refundRequestId?: string;
}

export interface DisputeSnapshot {
  id: string;
  status: string;
  amount: number;
  currency: string;
  created: number;
  reason?: string;
}

/** Stripe's `last_payment_error`, without the payment method it carries (no card data). */
export interface PaymentErrorSnapshot {
  code?: string;
  declineCode?: string;
  message?: string;
}

export interface PaymentIntentSnapshot {
  id: string;
  status: string;
  amount: number;
  amountReceived: number;
  /** Authorised and not yet captured (manual capture), in Stripe's unit; 0 otherwise. */
  amountCapturable?: number;
  /** Why a canceled intent was: `automatic` when an authorisation lapsed, else the merchant's reason. */
  cancellationReason?: string;
  currency: string;
  created: number;
  /**
   * Why the last attempt failed, from the intent itself: a failed 3-D Secure authentication leaves
   * no charge (Stripe charges only once the customer authenticated), only `last_payment_error`.
   */
  lastPaymentError?: PaymentErrorSnapshot;
  latestChargeId?: string;
  metadata: Record<string, string>;
  charges: ChargeSnapshot[];
  refunds: RefundSnapshot[];
  disputes: DisputeSnapshot[];
}
