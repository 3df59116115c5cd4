import { assertValidReportId } from '../../reports/reportPaths';
import { countStripeRequests } from '../../stripe/countingHttpClient';
import { withActivityFailures } from '../failures';
import { beat, resumed, savePoint, stripeCallsOf } from './progress';
import type { ReconcilePagesInput, ReconcilePagesResult } from './types';

/** Intents compared at once inside a page: enough to keep the Stripe limiter busy; it sets the actual pace. */
const CONCURRENCY = 16;

export interface PageWalk {
  /** Reads one page and moves the progress past it: counts, cursor, and `done` at the window's end. */
  readPage(): Promise<void>;
  /** The pages spent of this call's `maxPages`. Unset: the pages since `input.pageSeq`, a crashed try's included. */
  pagesRead?: () => number;
}

/**
 * The loop every walk shares: resume from the last heartbeat, count the call's Stripe requests
 * into its progress, then read pages until the walk is done or `maxPages` are read, saving a
 * point after each page so a retry starts after it. A report id that could not name a report
 * file fails the call at once, non-retryably, before any page is read or repair sent.
 */
export function walkPages(
  input: ReconcilePagesInput,
  startWalk: (progress: ReconcilePagesResult) => PageWalk | Promise<PageWalk>,
): Promise<ReconcilePagesResult> {
  return withActivityFailures(async () => {
    assertValidReportId(input.reportId);
    const progress = resumed(input);
    return countStripeRequests(stripeCallsOf(progress), async () => {
      const walk = await startWalk(progress);
      const pagesRead = walk.pagesRead ?? (() => progress.pageSeq - input.pageSeq);
      while (!progress.done && pagesRead() < input.maxPages) {
        await walk.readPage();
        savePoint(progress);
      }
      return progress;
    });
  });
}

/** Moves past a Stripe list page: its last item is the next page's `starting_after`. */
export function passStripePage(
  progress: ReconcilePagesResult,
  page: { data: readonly { id: string }[]; has_more: boolean },
): void {
  const last = page.data[page.data.length - 1];
  if (last) progress.cursor = last.id;
  progress.done = !page.has_more || !last;
}

/**
 * Runs `work` over a page's items, CONCURRENCY at a time, as a pool: one slow item never idles
 * the rest. A heartbeat follows every item.
 */
export async function forEachItem<T>(
  progress: ReconcilePagesResult,
  items: readonly T[],
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(CONCURRENCY, items.length) }, async () => {
    while (next < items.length) {
      await work(items[next++]!);
      beat(progress);
    }
  });
  await Promise.all(runners);
}
