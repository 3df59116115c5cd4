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
  /** Stripe's payment method type: card, sepa_debit, ... */
  methodType?: string;
  /** "visa ****4242", "sepa_debit ****3000": never more than the last four digits. */
  methodDetails?: string;
  failureCode?: string;
  failureMessage?: string;
  declineCode?: string;
  feeAmount?: number;
  netAmount?: number;
}

export interface RefundSnapshot {
  id: string;
  status: 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled' | string;
  amount: number;
  currency: string;
  created: number;
  failureReason?: string;
}

export interface DisputeSnapshot {
  id: string;
  status: string;
  amount: number;
  currency: string;
  created: number;
  reason?: string;
}

export interface PaymentIntentSnapshot {
  id: string;
  status: string;
  amount: number;
  amountReceived: number;
  currency: string;
  created: number;
  latestChargeId?: string;
  metadata: Record<string, string>;
  charges: ChargeSnapshot[];
  refunds: RefundSnapshot[];
  disputes: DisputeSnapshot[];
}
