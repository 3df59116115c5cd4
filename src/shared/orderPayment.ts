import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Payment, PaymentInput, PaymentStatus } from '../monstock/schemas';

/**
 * The contract between starters and `orderPaymentWorkflow`: its input, signals and queries.
 * Starters import this module, never the workflow code.
 */

/**
 * A movement to write on a Monstock order: the client's payment input (derived from its schema,
 * so the two cannot drift) less `provider`, which `recordMovement` sets. `transactionRef` is the
 * Stripe id the movement comes from (pi_, re_, dp_): with `kind`, Monstock's idempotency key.
 * Type-only: workflow code imports this module, and must not load zod or the client.
 */
export type PaymentMovement = Omit<PaymentInput, 'provider'>;

export interface OrderPaymentWorkflowInput {
  connectionId: string;
  orderId: string;
  /** How long the workflow waits for another event before it completes, e.g. '120 days'. */
  idleWindow?: string;
  /** State carried over by continue-as-new. */
  carried?: OrderPaymentState;
  /**
   * The order change that starts the workflow, given with the start instead of as a signal: a
   * signal-with-start bills the start and the signal, a start with its change only the start.
   */
  firstChange?: MonstockOrderRef;
}

/** What the workflow keeps of each movement Monstock holds: the schema's own fields, picked. */
export type RecordedMovement = Pick<Payment, 'kind' | 'transactionRef' | 'status' | 'amount' | 'currency'>;

export interface OrderPaymentState {
  orderId: string;
  orderReference?: string;
  currency?: string;
  totalAmount?: number;
  amountPaid: number;
  amountRefunded: number;
  paymentStatus?: PaymentStatus;
  paymentIntentIds: string[];
  /** Per payment intent, as last read from Stripe. */
  paymentIntents: Array<{ id: string; status: string; amount: number; amountReceived: number; currency: string }>;
  movements: RecordedMovement[];
  /** Stripe events applied (ids kept for the last ones only, to bound history). */
  eventsApplied: number;
  lastEventIds: string[];
  /** amountPaid - amountRefunded - totalAmount once anything was paid: >0 over-paid, <0 under-paid. */
  balance?: number;
  /** The payment intent the connector keeps for the amount due (Monstock → Stripe). */
  currentIntentId?: string;
  /** Highest Monstock order version applied to Stripe. */
  orderVersion?: number;
  /** The order was cancelled after money came in: a person decides (unless auto-refund is on). */
  cancelledAfterPayment?: { amountPaid: number; refunded: boolean; since: string };
  /** Set while the workflow is parked on a permanent error, waiting for an operator. */
  needsAttention?: { reason: string; since: string };
  pendingMovements: number;
  /** The authorisation waiting for shipment (manual capture) and when it lapses (ISO); absent otherwise. */
  authorization?: { paymentIntentId: string; expiresAt: string };
  /**
   * An alignment took in an order version no signal explained (a refund request whose webhook was
   * lost, maybe): the order's refund requests are looked at once money is in.
   */
  refundCheckOwed?: true;
}

/**
 * A Stripe event, reduced to what routes it: which payment intent it concerns. The workflow never
 * trusts the event's copy of the object; it reads the latest one from Stripe.
 */
export interface StripeEventRef {
  eventId: string;
  type: string;
  /** Unix seconds, as Stripe gives it. */
  created: number;
  objectType: 'payment_intent' | 'charge' | 'refund' | 'dispute' | 'checkout.session';
  objectId: string;
  paymentIntentId: string;
}

export const ORDER_PAYMENT_WORKFLOW_TYPE = 'orderPaymentWorkflow';
export const UNMATCHED_PAYMENT_WORKFLOW_TYPE = 'unmatchedPaymentWorkflow';

export const stripeEventSignal = defineSignal<[StripeEventRef]>('stripeEvent');

/**
 * A Monstock order change (webhook or poller). Only ids and the version travel: the workflow reads
 * the latest order, and a version it has already applied is ignored (older snapshots never win).
 */
export interface MonstockOrderRef {
  eventId: string;
  type: 'order.created' | 'order.updated' | 'order.cancelled' | 'order.refund_requested' | 'order.polled';
  orderId: string;
  version: number;
  updatedAt: string;
}

export const monstockOrderSignal = defineSignal<[MonstockOrderRef]>('monstockOrder');

/**
 * What a starter knows of the order from Monstock's signed snapshot (a webhook's, or the feed's
 * latest), set as search attributes with a start it makes, never sent to the workflow: a start
 * costs nothing more with them, where an upsert from the workflow is one more billed action. The
 * workflow still upserts whatever the latest order it reads says otherwise.
 */
export interface OrderSearchFacts {
  reference: string;
  paymentStatus: PaymentStatus;
}

/**
 * Memo key: the highest Monstock order version the running workflow has applied to Stripe (a
 * number). The delivery edge reads it with a describe, which costs no action, and drops a change of
 * a version already applied (Monstock's echo of our own write) before it becomes a billed signal.
 */
export const APPLIED_ORDER_VERSION_MEMO = 'appliedOrderVersion';
/** A movement to record as given (operators, repairs); Stripe-driven changes use stripeEventSignal. */
export const recordMovementSignal = defineSignal<[PaymentMovement]>('recordMovement');
/** An operator's go-ahead after fixing what parked the workflow (credentials, a deleted order, ...). */
export const resumeSignal = defineSignal<[{ note?: string }]>('resume');
export const paymentStateQuery = defineQuery<OrderPaymentState>('paymentState');

/** Monstock's idempotency key for a movement is (orderId, kind, transactionRef); a new status is a new fact. */
export function movementKey(movement: Pick<PaymentMovement, 'kind' | 'transactionRef' | 'status'>): string {
  return `${movement.kind}:${movement.transactionRef}:${movement.status}`;
}

export interface UnmatchedPaymentWorkflowInput {
  connectionId: string;
  paymentIntentId: string;
  /** Why no order was found, for the person reading the Web UI. */
  reason: string;
  /** How often and how long it looks again; the defaults suit production, tests shorten them. */
  schedule?: UnmatchedSchedule;
}

/** Durations in ms. Defaults: UNMATCHED_SCHEDULE_DEFAULTS. */
export interface UnmatchedSchedule {
  /** The first scheduled look after the payment arrived; each next one waits twice as long. */
  firstLookAfterMs?: number;
  /** The longest wait between two scheduled looks. */
  maxLookIntervalMs?: number;
  /** After this long unmatched (since the workflow began), it stops looking and parks for a person. */
  parkAfterMs?: number;
  /** An intent still waiting for a payment method (or action) this long after its creation is abandoned. */
  abandonedAfterMs?: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** 1 h, doubling, capped at 1 day, for 30 days: at most ~33 scheduled looks (each 1-2 Stripe reads) per payment. */
export const UNMATCHED_SCHEDULE_DEFAULTS: Required<UnmatchedSchedule> = {
  firstLookAfterMs: HOUR_MS,
  maxLookIntervalMs: DAY_MS,
  parkAfterMs: 30 * DAY_MS,
  abandonedAfterMs: 7 * DAY_MS,
};

/**
 * Where an unmatched payment stands: `waiting` (looking again with backoff), `parked` (stopped
 * looking after the bounded time: NeedsAttention, waits for `retryMatch` or a new Stripe event),
 * `matched` (attached to its order), `closed` (ended without an order: see `closed.reason`).
 */
export type UnmatchedPaymentStatus = 'waiting' | 'parked' | 'matched' | 'closed';

/**
 * Why an unmatched payment was closed without an order: it never moved money (intent canceled,
 * or abandoned before any payment), it is another channel's (an invoice's, an ignore rule's), or
 * Stripe does not know the intent.
 */
export type UnmatchedCloseReason = 'no_money_moved' | 'not_ours' | 'not_in_stripe';

export interface UnmatchedPaymentState {
  paymentIntentId: string;
  reason: string;
  events: number;
  attempts: number;
  matchedOrderId?: string;
  /** Set by workflows started (or moved on) with the bounded lifecycle; absent on older ones. */
  status?: UnmatchedPaymentStatus;
  /** When the lifecycle began (ISO), the start of the time to park. */
  since?: string;
  /** Wait before the next scheduled look (ms), doubled after each. */
  nextLookInMs?: number;
  /** When the next scheduled look is due (ISO); absent when parked or ended. */
  nextLookAt?: string;
  /** When the last look read Stripe (ISO, the activity's time). */
  lastLookAt?: string;
  /** Scheduled waits that ran out, summed (ms): time waited, whatever the looks returned. */
  waitedMs?: number;
  /** Looks done by the schedule (not by signals): bounded by the schedule. */
  scheduledLooks?: number;
  /** The intent's status at the last look, and whether any money moved. */
  intentStatus?: string;
  moneyMoved?: boolean;
  parkedSince?: string;
  closed?: { reason: UnmatchedCloseReason; detail: string; at: string };
}

/** Ask an unmatched payment to look for its order again (reconciliation, an operator). */
export const retryMatchSignal = defineSignal<[{ orderId?: string }]>('retryMatch');
export const unmatchedStateQuery = defineQuery<UnmatchedPaymentState>('unmatchedState');
