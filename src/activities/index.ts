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

/** What one connection's activities work with: its own Monstock tenant, Stripe account and settings. */
export interface ConnectionActivityClients {
  monstock: MonstockClient;
  stripe: Stripe;
  matcher: OrderMatcher;
  orderSettings?: OrderSettings;
  /** Reconciliation's report folder and Stripe rate limit (default ./data, 25/s). */
  reconciliation?: ReconciliationSettings;
}

/** Hands work to workflows on Temporal: the same for every connection (the connection id is in each call). */
export interface DeliveryClients {
  deliverToOrder: DeliverToOrder;
  /** Hands a Monstock order change to its workflow; the order feed needs it (the worker wires it). */
  orderChanged?: OrderChanged;
  /**
   * Starts or nudges an unmatched payment's workflow; reconciliation uses it (without it, unmatched payments are only
   * reported).
   */
  toUnmatched?: DeliverToUnmatched;
}

/** A connection's clients, by its id; undefined: an activity of a workflow started before ids reached activities. */
export type ClientsFor = (connectionId: string | undefined) => Promise<ConnectionActivityClients>;

/** One fixed set of clients for every connection: tests against one sandbox account and tenant. */
export type FixedActivityClients = ConnectionActivityClients & DeliveryClients;

/** The worker's: each call gets the clients of the connection its input names. */
export type PerConnectionActivityClients = DeliveryClients & { clientsFor: ClientsFor };

export type ActivityClients = FixedActivityClients | PerConnectionActivityClients;

/** Every activity of one set of clients. */
function activitiesOf(clients: FixedActivityClients) {
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

type ActivitySet = ReturnType<typeof activitiesOf>;

/**
 * Every activity takes the connection id in its input (optional in the type: histories recorded
 * before it was passed still schedule activities without it, and those serve the environment's
 * connection).
 */
type WithConnectionId<F> = F extends (input: infer I) => infer R
  ? (input: I & { connectionId?: string }) => R
  : F extends () => infer R
    ? (input?: { connectionId?: string }) => R
    : never;

export type ConnectorActivitySet = { [K in keyof ActivitySet]: WithConnectionId<ActivitySet[K]> };

function connectionIdOf(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const id = (input as { connectionId?: unknown }).connectionId;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Activities receive their clients, so tests hand in clients pointed at the sandboxes. With
 * `clientsFor` (the worker), each call first gets the clients of the connection its input names,
 * so no process-wide Stripe or Monstock client is on the workflow path. The activity set built on
 * a connection's clients is kept as long as those clients are (their caches live with them).
 */
export function createActivities(clients: ActivityClients): ConnectorActivitySet {
  if (!('clientsFor' in clients)) return activitiesOf(clients) as ConnectorActivitySet;
  const { clientsFor, ...delivery } = clients;
  const sets = new WeakMap<ConnectionActivityClients, ActivitySet>();
  async function setFor(input: unknown): Promise<ActivitySet> {
    const own = await clientsFor(connectionIdOf(input));
    let set = sets.get(own);
    if (!set) {
      set = activitiesOf({ ...own, ...delivery });
      sets.set(own, set);
    }
    return set;
  }
  // The names, from a set on placeholders that is never called: only its keys are read.
  const names = Object.keys(activitiesOf(PLACEHOLDER_CLIENTS)) as (keyof ActivitySet)[];
  const perConnection: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const name of names) {
    const activity = {
      async [name](input: unknown): Promise<unknown> {
        const run = (await setFor(input))[name] as (input: unknown) => Promise<unknown>;
        return run(input);
      },
    }[name]!;
    perConnection[name] = activity;
  }
  return perConnection as unknown as ConnectorActivitySet;
}

const PLACEHOLDER_CLIENTS = {
  monstock: undefined,
  stripe: undefined,
  matcher: undefined,
  deliverToOrder: () => Promise.resolve(),
} as unknown as FixedActivityClients;

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
