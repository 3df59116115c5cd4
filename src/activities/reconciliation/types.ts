import type Stripe from 'stripe';
import type { Database } from '../../store/database';
import type { DatabaseSource } from './reportFiles';
import type { OrderMatcher } from '../../matching/orderMatcher';
import type { MonstockClient } from '../../monstock/client';
import type { ReconciliationTally, ReconciliationWindow } from '../../shared/reconciliation';
import type { StripeEventRef } from '../../shared/orderPayment';
import type { OrderChanged } from '../orderFeed';
import type { DeliverToOrder } from '../unmatched/unmatchedActivities';

/** Starts (or tells again) a payment's unmatched workflow; the worker wires it to `WorkflowDelivery.toUnmatched`. */
export type DeliverToUnmatched = (
  connectionId: string,
  paymentIntentId: string,
  reason: string,
  event: StripeEventRef,
) => Promise<void>;

export interface ReconciliationSettings {
  /** Where reports go: the connector's database (unset: the process's, from DATABASE_URL). */
  database?: Database;
  /** Stripe requests per second this worker's reconciliation may make (enforced by `stripe`'s rate limiter). */
  stripeRateLimitPerSecond: number;
  /**
   * The Stripe client reconciliation reads with, and the matcher built on it: a client whose
   * every request waits for the process-wide limiter (`createReconciliationStripe`). Unset: the
   * worker's own client and matcher, unlimited.
   */
  stripe?: Stripe;
  matcher?: OrderMatcher;
  /**
   * "Now" for the time-bound findings (an authorisation about to lapse, an authentication
   * abandoned, a refund request past its grace), epoch ms. Unset: the process clock; tests age them.
   */
  now?: () => number;
}

export const DEFAULT_RECONCILIATION_SETTINGS: ReconciliationSettings = {
  stripeRateLimitPerSecond: 25,
};

export interface ReconciliationClients {
  monstock: MonstockClient;
  stripe: Stripe;
  matcher: OrderMatcher;
  deliverToOrder: DeliverToOrder;
  orderChanged?: OrderChanged;
  toUnmatched?: DeliverToUnmatched;
  reconciliation?: ReconciliationSettings;
}

/**
 * What the activities work with: the clients, with `stripe` and `matcher` already the ones the
 * settings name (the rate-limited pair) when set, and the database reports go to.
 */
export interface ReconciliationContext extends Omit<ReconciliationClients, 'reconciliation'> {
  database: DatabaseSource;
  now: () => number;
}

export interface ReconcilePagesInput {
  connectionId: string;
  reportId: string;
  window: ReconciliationWindow;
  /** Stripe: the last payment intent id read (starting_after). Monstock: its page cursor. */
  cursor?: string;
  /** Part files written before this call; this call's pages follow. */
  pageSeq: number;
  maxPages: number;
  pageSize: number;
  /** How many findings to hand back (the workflow keeps a bounded list); all go to the part files. */
  keepFindings: number;
  repair: boolean;
  checkOrderIntents: boolean;
}

export interface ReconcilePagesResult extends ReconciliationTally {
  cursor?: string;
  /** The walk reached the end of the window. */
  done: boolean;
  pageSeq: number;
  /** Failed-delivery events handed to the order (or unmatched-payment) workflows, `replayFailedStripeEvents` only. */
  replayedEvents?: number;
}

export interface RetentionCheckInput {
  connectionId: string;
  reportId: string;
}

export interface RetentionCheckResult {
  /** The previous successful run's finish time, if any. */
  lastGoodRunAt?: string;
  /** Loud warnings: no previous good run, or one older than Stripe's 30 days of events. */
  warnings: string[];
}
