import type Stripe from 'stripe';
import { stripeEventAction, type StripeWebhookEvent } from '../../events/stripeEventActions';
import { matchEvent } from '../../matching/matchEvent';
import type { StripeEventRef } from '../../shared/orderPayment';
import type { MatchedOutcome } from '../../temporal/delivery';
import { listFailedStripeEvents } from './failedEvents';
import { forEachItem, passStripePage, walkPages } from './pageWalk';
import type { ReconcilePagesInput, ReconcilePagesResult, ReconciliationContext } from './types';

export function createReplayFailedStripeEvents(context: ReconciliationContext) {
  /**
   * Pages through the window's Stripe events that failed delivery to our endpoint and feeds each
   * through the webhook's own path: the action table, the matcher, then the order (or
   * unmatched-payment) workflow by signal-with-start. The order workflow re-reads Stripe and
   * writes only what is missing, so a replay of an event that did land changes nothing.
   */
  return async function replayFailedStripeEvents(input: ReconcilePagesInput): Promise<ReconcilePagesResult> {
    return walkPages(input, (progress) => {
      progress.replayedEvents ??= 0;
      // Replays write no part files (pageSeq stays put): the page budget counts this try's pages.
      let pages = 0;
      return {
        pagesRead: () => pages,
        async readPage() {
          const page = await listFailedStripeEvents(context.stripe, input.window, {
            limit: input.pageSize,
            ...(progress.cursor ? { startingAfter: progress.cursor } : {}),
          });
          await forEachItem(progress, page.data, async (event) => {
            if (await replayEvent(context, input.connectionId, event)) {
              progress.replayedEvents = (progress.replayedEvents ?? 0) + 1;
            }
          });
          pages += 1;
          progress.counts.pages += 1;
          passStripePage(progress, page);
        },
      };
    });
  };
}

async function replayEvent(
  context: ReconciliationContext,
  connectionId: string,
  event: Stripe.Event,
): Promise<boolean> {
  const action = stripeEventAction(event as unknown as StripeWebhookEvent);
  // Customer events: customer sync reads Stripe's events itself; other types are not ours.
  if (action.kind !== 'deliver') return false;
  const outcome = await matchEvent(context.matcher, action.ref.paymentIntentId, action.match);
  if (outcome.kind === 'ignored') return false;
  return deliverMatched(context, connectionId, outcome, action.ref);
}

/**
 * `WorkflowDelivery.toMatched` through the clients reconciliation is handed; false when the
 * payment is unmatched and no unmatched-payment delivery was wired.
 */
async function deliverMatched(
  context: ReconciliationContext,
  connectionId: string,
  outcome: MatchedOutcome,
  event: StripeEventRef,
): Promise<boolean> {
  if (outcome.kind === 'order') {
    await context.deliverToOrder(connectionId, outcome.orderId, event);
    return true;
  }
  if (!context.toUnmatched) return false;
  await context.toUnmatched(connectionId, event.paymentIntentId, outcome.reason, event);
  return true;
}
