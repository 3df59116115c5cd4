import type Stripe from 'stripe';
import { compareIntent, type IntentMatch } from '../../reconciliation/compare';
import { intentTotals } from '../../reconciliation/totals';
import { stripeCreatedRange } from '../../reconciliation/window';
import type { ReconciliationFinding } from '../../shared/reconciliation';
import { hintsFromRecorded, readListedIntentSnapshot } from '../../stripe/readPaymentIntentSnapshot';
import { honouringRateLimit } from './monstockRetry';
import { forEachItem, passStripePage, walkPages } from './pageWalk';
import { finishPage, lastSavePoint } from './progress';
import { writeSeenIntents } from './reportFiles';
import { actOnIntent } from './repairs';
import type { ReconcilePagesInput, ReconcilePagesResult, ReconciliationContext } from './types';

export function createReconcileStripePages(context: ReconciliationContext) {
  /**
   * Pages through Stripe's payment intents created in the window (newest first), compares each
   * with its Monstock order and hands what is repairable to the order workflows.
   */
  return async function reconcileStripePages(input: ReconcilePagesInput): Promise<ReconcilePagesResult> {
    return walkPages(input, (progress) => ({
      async readPage() {
        const page = await context.stripe.paymentIntents.list({
          created: stripeCreatedRange(input.window),
          limit: input.pageSize,
          ...(progress.cursor ? { starting_after: progress.cursor } : {}),
        });
        const pageFindings: ReconciliationFinding[] = [];
        await forEachItem(progress, page.data, async (intent) => {
          const found = await reconcileIntent(context, input, intent, progress);
          pageFindings.push(...found);
        });
        const intentIds = page.data.map((intent) => intent.id);
        await writeSeenIntents(context.database, input.reportId, progress.pageSeq, intentIds);
        await finishPage(context.database, input, progress, 'stripe', pageFindings);
        passStripePage(progress, page);
      },
    }));
  };
}

async function reconcileIntent(
  context: ReconciliationContext,
  input: ReconcilePagesInput,
  intent: Stripe.PaymentIntent,
  progress: ReconcilePagesResult,
): Promise<ReconciliationFinding[]> {
  const outcome = await context.matcher.match({ id: intent.id, metadata: { ...intent.metadata } });
  progress.counts.intents += 1;
  progress.counts.items += 1;
  if (outcome.kind === 'ignored') {
    progress.counts.ignored += 1;
    return [];
  }
  let match: IntentMatch = {
    kind: 'unmatched',
    reason: outcome.kind === 'unmatched' ? outcome.reason : 'no order',
  };
  if (outcome.kind === 'order') {
    const order = await honouringRateLimit(
      () => context.monstock.findOrder(outcome.orderId),
      () => lastSavePoint(progress),
    );
    match = order
      ? { kind: 'order', order }
      : { kind: 'unmatched', reason: `the Monstock order ${outcome.orderId} named by ${outcome.via} does not exist` };
  }
  // An unmatched intent that never moved money (abandoned checkout) needs no closer look.
  const movedNoMoney =
    (intent.latest_charge ?? '') === '' && intent.status !== 'succeeded' && intent.status !== 'processing';
  if (match.kind === 'unmatched' && movedNoMoney) return [];
  const shown = match.kind === 'order' ? match.order.payments : [];
  const snapshot = await readListedIntentSnapshot(context.stripe, intent, hintsFromRecorded(shown));
  intentTotals(progress.totals, snapshot, match.kind === 'order' ? match.order : undefined, (progress.daily ??= {}));
  const found = compareIntent(snapshot, match, { now: context.now() });
  return actOnIntent(context, input, progress, snapshot, found, match.kind === 'unmatched' ? match.reason : undefined);
}
