import Stripe from 'stripe';

/**
 * What Stripe shows of one of the shop's payment intents, read fresh through the Stripe SDK by
 * the checker's own code (not the connector's snapshot readers): the intent with its metadata,
 * its charges with their payment method and balance transaction, its refunds and disputes with
 * theirs. Only what the checker compares is kept.
 */
export interface BalanceFacts {
  fee: number;
  net: number;
  currency: string;
}

export interface ChargeFacts {
  id: string;
  paymentIntent: string | undefined;
  status: string;
  amount: number;
  currency: string;
  created: number;
  /** `payment_method_details.type`: card, sepa_debit, ... */
  methodType: string | undefined;
  last4: string | undefined;
  balance: BalanceFacts | undefined;
}

export interface RefundFacts {
  id: string;
  paymentIntent: string | undefined;
  status: string;
  amount: number;
  currency: string;
  created: number;
  balance: BalanceFacts | undefined;
  /** The connector names the Monstock refund request a refund answers here. */
  metadata: Record<string, string>;
}

export interface DisputeFacts {
  id: string;
  paymentIntent: string | undefined;
  chargeId: string | undefined;
  status: string;
  amount: number;
  currency: string;
  created: number;
  /** Every balance transaction of the dispute (withdrawal, then a reinstatement when won). */
  balances: BalanceFacts[];
}

export interface IntentFacts {
  id: string;
  status: string;
  amount: number;
  amountReceived: number;
  currency: string;
  created: number;
  metadata: Record<string, string>;
  captureMethod: string;
  charges: ChargeFacts[];
  refunds: RefundFacts[];
  disputes: DisputeFacts[];
}

/** Where a Stripe id belongs according to Stripe: its payment intent, and the order that intent's metadata names. */
export type RefOwner =
  { known: false } | { known: true; paymentIntent: string | undefined; orderId: string | undefined };

export const ORDER_METADATA_KEY = 'monstock_order_id';
/** Where the connector names, on a Stripe refund, the Monstock refund request it answers. */
export const REFUND_REQUEST_METADATA_KEY = 'monstock_refund_request_id';

export async function readIntentFacts(stripe: Stripe, paymentIntentId: string): Promise<IntentFacts> {
  const [intent, charges, refunds, disputes] = await Promise.all([
    stripe.paymentIntents.retrieve(paymentIntentId),
    stripe.charges.list({ payment_intent: paymentIntentId, limit: 100, expand: ['data.balance_transaction'] }),
    stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100, expand: ['data.balance_transaction'] }),
    // A dispute's balance transactions always come as objects (Stripe does not expand them on request).
    stripe.disputes.list({ payment_intent: paymentIntentId, limit: 100 }),
  ]);
  const facts: IntentFacts = {
    id: intent.id,
    status: intent.status,
    amount: intent.amount,
    amountReceived: intent.amount_received,
    currency: intent.currency,
    created: intent.created,
    metadata: { ...intent.metadata },
    captureMethod: intent.capture_method,
    charges: [],
    refunds: [],
    disputes: [],
  };
  for (const charge of charges.data) facts.charges.push(await chargeFacts(stripe, charge));
  for (const refund of refunds.data) facts.refunds.push(await refundFacts(stripe, refund));
  for (const dispute of disputes.data) facts.disputes.push(await disputeFacts(stripe, dispute));
  return facts;
}

/**
 * For an id an order shows that the shop's ledger does not explain: which intent and order it
 * belongs to by Stripe (undefined order: the intent names none), or that Stripe knows no such object.
 */
export async function readRefOwner(stripe: Stripe, ref: string): Promise<RefOwner> {
  try {
    let paymentIntent: string | undefined;
    if (ref.startsWith('pi_')) paymentIntent = ref;
    else if (ref.startsWith('ch_') || ref.startsWith('py_'))
      paymentIntent = idOf((await stripe.charges.retrieve(ref)).payment_intent);
    else if (ref.startsWith('re_')) paymentIntent = idOf((await stripe.refunds.retrieve(ref)).payment_intent);
    else if (ref.startsWith('dp_') || ref.startsWith('du_'))
      paymentIntent = idOf((await stripe.disputes.retrieve(ref)).payment_intent);
    else return { known: false };
    if (!paymentIntent) return { known: true, paymentIntent: undefined, orderId: undefined };
    const intent = await stripe.paymentIntents.retrieve(paymentIntent);
    return { known: true, paymentIntent, orderId: intent.metadata[ORDER_METADATA_KEY] };
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404) return { known: false };
    throw error;
  }
}

async function chargeFacts(stripe: Stripe, charge: Stripe.Charge): Promise<ChargeFacts> {
  const details = charge.payment_method_details;
  return {
    id: charge.id,
    paymentIntent: idOf(charge.payment_intent),
    status: charge.status,
    amount: charge.amount,
    currency: charge.currency,
    created: charge.created,
    methodType: details?.type ?? undefined,
    last4: details?.card?.last4 ?? details?.sepa_debit?.last4 ?? undefined,
    balance: await balanceOf(stripe, charge.balance_transaction),
  };
}

async function refundFacts(stripe: Stripe, refund: Stripe.Refund): Promise<RefundFacts> {
  return {
    id: refund.id,
    paymentIntent: idOf(refund.payment_intent),
    status: refund.status ?? 'pending',
    amount: refund.amount,
    currency: refund.currency,
    created: refund.created,
    balance: await balanceOf(stripe, refund.balance_transaction),
    metadata: { ...refund.metadata },
  };
}

async function disputeFacts(stripe: Stripe, dispute: Stripe.Dispute): Promise<DisputeFacts> {
  const balances: BalanceFacts[] = [];
  for (const transaction of dispute.balance_transactions ?? []) {
    const balance = await balanceOf(stripe, transaction);
    if (balance) balances.push(balance);
  }
  return {
    id: dispute.id,
    paymentIntent: idOf(dispute.payment_intent),
    chargeId: idOf(dispute.charge),
    status: dispute.status,
    amount: dispute.amount,
    currency: dispute.currency,
    created: dispute.created,
    balances,
  };
}

/** A balance transaction given expanded, or by id (then read). */
async function balanceOf(
  stripe: Stripe,
  transaction: string | Stripe.BalanceTransaction | null | undefined,
): Promise<BalanceFacts | undefined> {
  if (!transaction) return undefined;
  const read = typeof transaction === 'string' ? await stripe.balanceTransactions.retrieve(transaction) : transaction;
  return { fee: read.fee, net: read.net, currency: read.currency };
}

function idOf(value: string | { id: string } | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return (typeof value === 'string' ? value : value.id) || undefined;
}
