import type Stripe from 'stripe';
import type { OrderMatcher } from '../matching/orderMatcher';
import type { MonstockClient } from '../monstock/client';
import { createCustomerSyncActivities } from './customerSync';
import { createOrderFeedActivities, type OrderChanged } from './orderFeed';
import { createReconciliationActivities, type DeliverToUnmatched, type ReconciliationSettings } from './reconciliation';
import { createAlignStripeWithOrder, type OrderSettings } from './orderPayment/alignStripeWithOrder';
import { createRecordMovement } from './orderPayment/recordMovement';
import { createProcessRefundRequests } from './orderPayment/refundRequests';
import { createSyncPaymentIntent } from './orderPayment/syncPaymentIntent';
import { createUnmatchedActivities, type DeliverToOrder } from './unmatched/unmatchedActivities';

export interface ActivityClients {
  monstock: MonstockClient;
  stripe: Stripe;
  matcher: OrderMatcher;
  deliverToOrder: DeliverToOrder;
  orderSettings?: OrderSettings;
  /** Hands a Monstock order change to its workflow; the order feed needs it (the worker wires it). */
  orderChanged?: OrderChanged;
  /**
   * Starts or nudges an unmatched payment's workflow; reconciliation uses it (without it, unmatched payments are only
   * reported).
   */
  toUnmatched?: DeliverToUnmatched;
  /** Reconciliation's report folder and Stripe rate limit (default ./data, 25/s). */
  reconciliation?: ReconciliationSettings;
}

/** Activities receive their clients, so tests hand in clients pointed at the sandboxes. */
export function createActivities(clients: ActivityClients) {
  return {
    recordMovement: createRecordMovement(clients.monstock),
    syncPaymentIntent: createSyncPaymentIntent(clients),
    alignStripeWithOrder: createAlignStripeWithOrder(clients),
    processRefundRequests: createProcessRefundRequests(clients),
    ...createUnmatchedActivities(clients),
    ...createOrderFeedActivities(clients),
    ...createCustomerSyncActivities(clients),
    ...createReconciliationActivities(clients),
  };
}

export type ConnectorActivities = ReturnType<typeof createActivities>;
export type { OrderPaymentSummary } from './orderPayment/recordMovement';
export type { AlignResult, OrderSettings } from './orderPayment/alignStripeWithOrder';
export type { DeliverToOrder } from './unmatched/unmatchedActivities';
export type {
  DeliverToUnmatched,
  ReconcilePagesInput,
  ReconcilePagesResult,
  ReconciliationSettings,
} from './reconciliation';
export type { OrderChanged, PollOrderFeedInput, PollOrderFeedResult } from './orderFeed';
export type { SyncPaymentIntentInput, SyncPaymentIntentResult } from './orderPayment/syncPaymentIntent';
export type { ProcessRefundRequestsInput, ProcessRefundRequestsResult } from './orderPayment/refundRequests';
