import { activityInfo, heartbeat, log } from '@temporalio/activity';
import type Stripe from 'stripe';
import type { OrderMatcher } from '../../matching/orderMatcher';
import type { MonstockClient } from '../../monstock/client';
import { MonstockApiError } from '../../monstock/errors';
import type { Order } from '../../monstock/schemas';
import type { PaymentIntentSnapshot } from '../../payments/paymentIntentSnapshot';
import { compareIntent, compareOrder, intentHasMoney, shouldRepairIntent, type Discrepancy, type IntentMatch } from '../../reconciliation/compare';
import { addToDaily, addToTotals, emptyCounts, intentTotals, mergeByKind, utcDay } from '../../reconciliation/totals';
import { createdInWindow, stripeCreatedRange } from '../../reconciliation/window';
import type { MonstockOrderRef, StripeEventRef } from '../../shared/orderPayment';
import {
  repairEventId,
  REPAIR_EVENT_TYPE,
  type FindingCounts,
  type ReconciliationCounts,
  type ReconciliationFinding,
  type ReconciliationReport,
  type ReconciliationWindow,
  type TotalsByCurrency,
  type DailyTotals,
} from '../../shared/reconciliation';
import { countStripeRequests } from '../../stripe/countingHttpClient';
import { hintsFromRecorded, readListedIntentSnapshot, readPaymentIntentSnapshot } from '../../stripe/readPaymentIntentSnapshot';
import { withActivityFailures } from '../failures';
import type { OrderChanged } from '../orderFeed';
import type { DeliverToOrder } from '../unmatched/unmatchedActivities';
import { matchEvent } from '../../matching/matchEvent';
import { stripeEventAction, type StripeWebhookEvent } from '../../events/stripeEventActions';
import { listFailedStripeEvents } from './failedEvents';
import { honouringRateLimit } from './monstockRetry';
import { lastGoodRunAt, retentionWarnings } from './retention';
import { readSeenIntents, writePart, writeReport, writeSeenIntents } from './reportFiles';

/** Starts (or tells again) a payment's unmatched workflow; the worker wires it to `WorkflowDelivery.toUnmatched`. */
export type DeliverToUnmatched = (connectionId: string, paymentIntentId: string, reason: string, event: StripeEventRef) => Promise<void>;

export interface ReconciliationSettings {
  /** Where reports go: DATA_DIR/reports/<reportId>.json. */
  dataDir: string;
  /** Stripe requests per second this worker's reconciliation may make (enforced by `stripe`'s rate limiter). */
  stripeRateLimitPerSecond: number;
  /**
   * The Stripe client reconciliation reads with, and the matcher built on it: a client whose
   * every request waits for the process-wide limiter (`createReconciliationStripe`). Unset: the
   * worker's own client and matcher, unlimited.
   */
  stripe?: Stripe;
  matcher?: OrderMatcher;
}

export const DEFAULT_RECONCILIATION_SETTINGS: ReconciliationSettings = { dataDir: './data', stripeRateLimitPerSecond: 25 };

export interface ReconciliationClients {
  monstock: MonstockClient;
  stripe: Stripe;
  matcher: OrderMatcher;
  deliverToOrder: DeliverToOrder;
  orderChanged?: OrderChanged;
  toUnmatched?: DeliverToUnmatched;
  reconciliation?: ReconciliationSettings;
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

export interface ReconcilePagesResult {
  cursor?: string;
  /** The walk reached the end of the window. */
  done: boolean;
  pageSeq: number;
  counts: ReconciliationCounts;
  byKind: FindingCounts;
  totals: TotalsByCurrency;
  daily?: DailyTotals;
  /** Findings left for a person: everything but repairs handed to an order workflow. */
  unresolved: number;
  findings: ReconciliationFinding[];
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

/** Intents compared at once inside a page: enough to keep the Stripe limiter busy; it sets the actual pace. */
const CONCURRENCY = 16;

export function createReconciliationActivities(clients: ReconciliationClients) {
  const settings = clients.reconciliation ?? DEFAULT_RECONCILIATION_SETTINGS;
  const stripe = settings.stripe ?? clients.stripe;
  const matcher = settings.matcher ?? clients.matcher;
  const checkpoints = new WeakMap<ReconcilePagesResult, ReconcilePagesResult>();

  /**
   * Pages through Stripe's payment intents created in the window (newest first), compares each
   * with its Monstock order and hands what is repairable to the order workflows.
   */
  async function reconcileStripePages(input: ReconcilePagesInput): Promise<ReconcilePagesResult> {
    return withActivityFailures(async () => {
      const progress = resumed(input);
      return countStripeRequests(stripeCallsOf(progress), async () => {
      while (!progress.done && progress.pageSeq - input.pageSeq < input.maxPages) {
        const page = await stripe.paymentIntents.list({ created: stripeCreatedRange(input.window), limit: input.pageSize, ...(progress.cursor ? { starting_after: progress.cursor } : {}) });
        const pageFindings: ReconciliationFinding[] = [];
        await inPool(page.data, CONCURRENCY, async (intent) => {
          const found = await reconcileIntent(input, intent, progress);
          pageFindings.push(...found);
        }, () => beat(progress));
        await writeSeenIntents(settings.dataDir, input.reportId, progress.pageSeq, page.data.map((intent) => intent.id));
        await finishPage(input, progress, 'stripe', pageFindings);
        const last = page.data[page.data.length - 1];
        if (last) progress.cursor = last.id;
        progress.done = !page.has_more || !last;
        savePoint(progress);
      }
      return progress;
      });
    });
  }

  async function reconcileIntent(input: ReconcilePagesInput, intent: Stripe.PaymentIntent, progress: ReconcilePagesResult): Promise<ReconciliationFinding[]> {
    const outcome = await matcher.match({ id: intent.id, metadata: { ...intent.metadata } });
    progress.counts.intents += 1;
    progress.counts.items += 1;
    if (outcome.kind === 'ignored') {
      progress.counts.ignored += 1;
      return [];
    }
    let match: IntentMatch = outcome.kind === 'unmatched' ? { kind: 'unmatched', reason: outcome.reason } : { kind: 'unmatched', reason: 'no order' };
    if (outcome.kind === 'order') {
      const order = await orderOrMissing(outcome.orderId, progress);
      match = order ? { kind: 'order', order } : { kind: 'unmatched', reason: `the Monstock order ${outcome.orderId} named by ${outcome.via} does not exist` };
    }
    // An unmatched intent that never moved money (abandoned checkout) needs no closer look.
    if (match.kind === 'unmatched' && !intent.latest_charge && intent.status !== 'succeeded' && intent.status !== 'processing') return [];
    const shown = match.kind === 'order' ? match.order.payments : [];
    const snapshot = await readListedIntentSnapshot(stripe, intent, hintsFromRecorded(shown));
    intentTotals(progress.totals, snapshot, match.kind === 'order' ? match.order : undefined, (progress.daily ??= {}));
    const found = compareIntent(snapshot, match);
    return act(input, progress, snapshot, found, match.kind === 'unmatched' ? match.reason : undefined);
  }

  /**
   * Pages through Monstock's orders changed in the window: Stripe-labelled money no payment
   * intent backs, intents created before the window (the Stripe walk did not see them), and
   * orders without an intent when the connector creates them.
   */
  async function reconcileMonstockPages(input: ReconcilePagesInput): Promise<ReconcilePagesResult> {
    return withActivityFailures(async () => {
      const progress = resumed(input);
      return countStripeRequests(stripeCallsOf(progress), async () => {
      const to = Date.parse(input.window.to);
      const seen = await readSeenIntents(settings.dataDir, input.reportId);
      while (!progress.done && progress.pageSeq - input.pageSeq < input.maxPages) {
        const page = await honouringRateLimit(
          () => clients.monstock.listOrders({ updatedSince: input.window.from, limit: Math.min(input.pageSize, 200), ...(progress.cursor ? { cursor: progress.cursor } : {}) }),
          () => checkpoints.get(progress),
        );
        // Monstock lists by (updatedAt, id): past the window's end, the rest is the next window's.
        const inWindow = page.data.filter((order) => Date.parse(order.updatedAt) < to);
        const pageFindings: ReconciliationFinding[] = [];
        await inPool(inWindow, CONCURRENCY, async (order) => {
          pageFindings.push(...(await reconcileOrder(input, order, progress, seen)));
        }, () => beat(progress));
        await finishPage(input, progress, 'monstock', pageFindings);
        progress.done = !page.nextCursor || inWindow.length < page.data.length;
        if (page.nextCursor) progress.cursor = page.nextCursor;
        savePoint(progress);
      }
      return progress;
      });
    });
  }

  async function reconcileOrder(input: ReconcilePagesInput, order: Order, progress: ReconcilePagesResult, seen: ReadonlySet<string>): Promise<ReconciliationFinding[]> {
    progress.counts.orders += 1;
    progress.counts.items += 1;
    const { found, intentIds } = compareOrder(order, { checkOrderIntents: input.checkOrderIntents });
    const findings: ReconciliationFinding[] = [];
    for (const discrepancy of found) {
      if (discrepancy.kind === 'paid_without_stripe_money') {
        addToTotals(progress.totals, discrepancy.currency ?? order.currency, { monstockRecorded: discrepancy.monstock?.amount ?? 0 });
        addToDaily((progress.daily ??= {}), utcDay(Date.parse(order.updatedAt)), discrepancy.currency ?? order.currency, { recorded: discrepancy.monstock?.amount ?? 0 });
      }
      findings.push(await actOnOrder(input, progress, order, discrepancy));
    }
    for (const intentId of intentIds) {
      // The Stripe walk compared (and repaired) it already: no need to ask Stripe again.
      if (seen.has(intentId)) continue;
      const snapshot = await snapshotOrMissing(intentId);
      if (!snapshot) {
        findings.push(...orderPaymentsWithoutIntent(order, intentId).map((d) => record(progress, { ...d, action: 'reported' })));
        continue;
      }
      // Created in the window: the Stripe walk compares it (and repairs it) already.
      if (createdInWindow(snapshot.created, input.window)) continue;
      findings.push(...(await act(input, progress, snapshot, compareIntent(snapshot, { kind: 'order', order }), undefined)));
    }
    return findings;
  }

  /** Decides and does what each discrepancy of one intent calls for, and counts it. */
  async function act(input: ReconcilePagesInput, progress: ReconcilePagesResult, snapshot: PaymentIntentSnapshot, found: Discrepancy[], unmatchedReason: string | undefined): Promise<ReconciliationFinding[]> {
    if (found.length === 0) return [];
    const event: StripeEventRef = {
      eventId: repairEventId(input.reportId, snapshot.id),
      type: REPAIR_EVENT_TYPE,
      created: Math.floor(Date.now() / 1000),
      objectType: 'payment_intent',
      objectId: snapshot.id,
      paymentIntentId: snapshot.id,
    };
    if (unmatchedReason !== undefined) {
      const signalled = input.repair && clients.toUnmatched !== undefined;
      if (signalled) await clients.toUnmatched!(input.connectionId, snapshot.id, unmatchedReason, event);
      if (signalled) progress.counts.repairsSent += 1;
      return found.map((d) => record(progress, { ...d, action: signalled ? 'unmatched_signalled' : 'reported' }));
    }
    const safe = shouldRepairIntent(found);
    const orderId = found[0]!.orderId;
    if (input.repair && safe && orderId) {
      await clients.deliverToOrder(input.connectionId, orderId, event);
      progress.counts.repairsSent += 1;
    }
    return found.map((d) => record(progress, { ...d, action: !d.repairable || !safe ? 'reported' : input.repair ? 'repair_sent' : 'not_repaired' }));
  }

  async function actOnOrder(input: ReconcilePagesInput, progress: ReconcilePagesResult, order: Order, discrepancy: Discrepancy): Promise<ReconciliationFinding> {
    if (discrepancy.kind === 'order_without_intent' && input.repair && clients.orderChanged) {
      const change: MonstockOrderRef = { eventId: `reconcile:${input.reportId}:${order.id}`, type: 'order.polled', orderId: order.id, version: order.version, updatedAt: order.updatedAt };
      await clients.orderChanged(input.connectionId, change);
      progress.counts.repairsSent += 1;
      return record(progress, { ...discrepancy, action: 'order_change_sent' });
    }
    return record(progress, { ...discrepancy, action: discrepancy.repairable ? 'not_repaired' : 'reported' });
  }

  function record(progress: ReconcilePagesResult, finding: ReconciliationFinding): ReconciliationFinding {
    progress.counts.findings += 1;
    if (finding.action !== 'repair_sent' && finding.action !== 'order_change_sent') progress.unresolved += 1;
    mergeByKind(progress.byKind, { [finding.kind]: 1 });
    return finding;
  }

  async function finishPage(input: ReconcilePagesInput, progress: ReconcilePagesResult, phase: 'stripe' | 'monstock', pageFindings: ReconciliationFinding[]): Promise<void> {
    // Stable order inside a page, whatever order the concurrent comparisons finished in.
    pageFindings.sort((a, b) => `${a.paymentIntentId ?? ''}${a.orderId ?? ''}${a.transactionRef ?? ''}${a.kind}`.localeCompare(`${b.paymentIntentId ?? ''}${b.orderId ?? ''}${b.transactionRef ?? ''}${b.kind}`));
    await writePart(settings.dataDir, input.reportId, phase, progress.pageSeq, pageFindings);
    const room = input.keepFindings - progress.findings.length;
    if (room > 0) progress.findings.push(...pageFindings.slice(0, room));
    progress.pageSeq += 1;
    progress.counts.pages += 1;
  }

  async function snapshotOrMissing(paymentIntentId: string): Promise<PaymentIntentSnapshot | undefined> {
    try {
      return await readPaymentIntentSnapshot(stripe, paymentIntentId);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  async function orderOrMissing(orderId: string, progress: ReconcilePagesResult): Promise<Order | undefined> {
    try {
      return await honouringRateLimit(() => clients.monstock.getOrder(orderId), () => checkpoints.get(progress));
    } catch (error) {
      if (error instanceof MonstockApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /**
   * Pages through the window's Stripe events that failed delivery to our endpoint and feeds each
   * through the webhook's own path: the action table, the matcher, then the order (or
   * unmatched-payment) workflow by signal-with-start. The order workflow re-reads Stripe and
   * writes only what is missing, so a replay of an event that did land changes nothing.
   */
  async function replayFailedStripeEvents(input: ReconcilePagesInput): Promise<ReconcilePagesResult> {
    return withActivityFailures(async () => {
      const progress = resumed(input);
      return countStripeRequests(stripeCallsOf(progress), async () => {
      progress.replayedEvents ??= 0;
      let pages = 0;
      while (!progress.done && pages < input.maxPages) {
        const page = await listFailedStripeEvents(stripe, input.window, { limit: input.pageSize, ...(progress.cursor ? { startingAfter: progress.cursor } : {}) });
        await inPool(page.data, CONCURRENCY, async (event) => {
          if (await replayEvent(input.connectionId, event)) progress.replayedEvents = (progress.replayedEvents ?? 0) + 1;
        }, () => beat(progress));
        pages += 1;
        progress.counts.pages += 1;
        const last = page.data[page.data.length - 1];
        if (last) progress.cursor = last.id;
        progress.done = !page.has_more || !last;
        savePoint(progress);
      }
      return progress;
      });
    });
  }

  async function replayEvent(connectionId: string, event: Stripe.Event): Promise<boolean> {
    const action = stripeEventAction(event as unknown as StripeWebhookEvent);
    // Customer events: customer sync reads Stripe's events itself; other types are not ours.
    if (action.kind !== 'deliver') return false;
    const outcome = await matchEvent(matcher, action.ref.paymentIntentId, action.match);
    if (outcome.kind === 'ignored') return false;
    if (outcome.kind === 'order') {
      await clients.deliverToOrder(connectionId, outcome.orderId, action.ref);
      return true;
    }
    if (!clients.toUnmatched) return false;
    await clients.toUnmatched(connectionId, action.ref.paymentIntentId, outcome.reason, action.ref);
    return true;
  }

  return {
    reconcileStripePages,
    reconcileMonstockPages,
    replayFailedStripeEvents,
    /** Finds the previous good run (DATA_DIR/reports) and warns loudly when Stripe's event retention has been outrun. */
    async checkReconciliationRetention(input: RetentionCheckInput): Promise<RetentionCheckResult> {
      const last = await lastGoodRunAt(settings.dataDir, input.connectionId, input.reportId);
      const warnings = retentionWarnings(last, new Date());
      for (const warning of warnings) log.warn(`reconciliation: ${warning}`, { connectionId: input.connectionId, reportId: input.reportId, lastGoodRunAt: last ?? null });
      return { ...(last ? { lastGoodRunAt: last } : {}), warnings };
    },
    /** Assembles DATA_DIR/reports/<reportId>.json from the run's part files, with every finding. */
    async writeReconciliationReport(report: ReconciliationReport): Promise<{ reportFile: string; findings: number }> {
      return writeReport(settings.dataDir, report);
    },
  };

  /** Counts this activity's Stripe requests into its progress (so into the report). */
  function stripeCallsOf(progress: ReconcilePagesResult): () => void {
    return () => {
      progress.counts.stripeCalls = (progress.counts.stripeCalls ?? 0) + 1;
    };
  }

  function resumed(input: ReconcilePagesInput): ReconcilePagesResult {
    // A retry after a crash resumes after the last page finished (its part file is rewritten at most).
    const details = activityInfo().heartbeatDetails as ReconcilePagesResult | undefined;
    const progress: ReconcilePagesResult =
      details && typeof details === 'object' && typeof details.pageSeq === 'number' && details.counts && details.pageSeq >= input.pageSeq
        ? details
        : { ...(input.cursor ? { cursor: input.cursor } : {}), done: false, pageSeq: input.pageSeq, counts: emptyCounts(), byKind: {}, totals: {}, unresolved: 0, findings: [] };
    checkpoints.set(progress, structuredClone(progress));
    return progress;
  }

  /** Mid-page beats carry the last finished page: a retry re-reads this page, never counts it twice. */
  function beat(progress: ReconcilePagesResult): void {
    heartbeat(checkpoints.get(progress));
  }

  function savePoint(progress: ReconcilePagesResult): void {
    const copy = structuredClone(progress);
    checkpoints.set(progress, copy);
    heartbeat(copy);
  }
}

/** A Stripe intent id the order names that Stripe does not know: its succeeded payments have no Stripe money. */
function orderPaymentsWithoutIntent(order: Order, intentId: string): Discrepancy[] {
  return order.payments
    .filter((p) => p.transactionRef === intentId && p.kind === 'payment' && p.status === 'succeeded')
    .map((p) => ({
      kind: 'paid_without_stripe_money' as const,
      repairable: false,
      orderId: order.id,
      paymentIntentId: intentId,
      transactionRef: p.transactionRef,
      movementKind: 'payment' as const,
      currency: p.currency,
      monstock: { status: p.status, amount: p.amount, currency: p.currency },
      detail: `Monstock order ${order.id} shows ${intentId} succeeded; Stripe has no such payment intent`,
    }));
}

/** Runs `work` over the items, `concurrency` at a time, as a pool: one slow item never idles the rest. */
async function inPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>, afterItem: () => void): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      await work(items[next++]!);
      afterItem();
    }
  });
  await Promise.all(runners);
}

export type ReconciliationActivities = ReturnType<typeof createReconciliationActivities>;
