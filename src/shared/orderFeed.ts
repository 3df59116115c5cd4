import { defineQuery, defineSignal } from '@temporalio/workflow';

/**
 * The contract between starters and `monstockOrderFeedWorkflow`: its input, signal and query.
 * The feed walks Monstock's order list so an order whose webhook was lost still reaches its
 * order workflow; starters import this module, never the workflow code.
 */
export const ORDER_FEED_WORKFLOW_TYPE = 'monstockOrderFeedWorkflow';

/**
 * Where the walk resumes. Monstock lists by (updatedAt, id) and `updatedSince` is inclusive, so
 * the last order delivered comes back first on the next read and is skipped by its key; `page`
 * is Monstock's own cursor while one walk is split over several activity calls.
 */
export interface OrderFeedCursor {
  updatedSince?: string;
  /** Id of the last order delivered at `updatedSince`: it and anything sorting before it are done. */
  lastId?: string;
  page?: string;
}

export interface OrderFeedCounts {
  /** Order changes handed to their order workflow (signal-with-start). */
  delivered: number;
  /** Orders read again because `updatedSince` is inclusive, or re-read after a refused page cursor. */
  skipped: number;
  pages: number;
  /** Activity calls that walked the feed. */
  polls: number;
  /** Polls that failed after their retries; the next round tries again. */
  failedPolls: number;
}

export interface OrderFeedState {
  connectionId: string;
  cursor: OrderFeedCursor;
  counts: OrderFeedCounts;
  lastPollAt?: string;
  lastError?: string;
  /** Runs so far (continue-as-new). */
  run: number;
}

export interface OrderFeedWorkflowInput {
  connectionId: string;
  /** Wait between two walks of the feed once it is caught up, e.g. '2 minutes'. */
  pollInterval?: string;
  /**
   * Where a brand-new feed starts (RFC 3339). Default: one hour before the feed first ran, so
   * the orders of a merchant's whole history are not all pushed to Stripe on the first day.
   */
  startFrom?: string;
  /** Most pages read by one activity call; a larger backlog is spread over several calls. */
  maxPagesPerPoll?: number;
  /** Rounds before continue-as-new (default: when Temporal suggests it, or ~2,000 events). */
  roundsPerRun?: number;
  carried?: OrderFeedCarried;
}

/** What one run hands the next on continue-as-new. */
export interface OrderFeedCarried {
  cursor: OrderFeedCursor;
  counts: OrderFeedCounts;
  lastPollAt?: string;
  lastError?: string;
  run: number;
  pollRequested: boolean;
}

/** Walk the feed now instead of at the end of the poll interval (operators, reconciliation, tests). */
export const orderFeedPollNowSignal = defineSignal<[]>('orderFeedPollNow');
export const orderFeedStateQuery = defineQuery<OrderFeedState>('orderFeedState');

/** The synthetic event id of an order change found by the feed: the same snapshot always gets the same id. */
export function polledEventId(orderId: string, version: number): string {
  return `poll:${orderId}:${version}`;
}
