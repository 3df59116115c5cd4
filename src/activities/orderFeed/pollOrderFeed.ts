import { activityInfo, heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { MonstockClient } from '../../monstock/client';
import type { Order } from '../../monstock/schemas';
import { readChangesPage } from '../../monstock/walkChanges';
import { polledEventId, type OrderFeedCursor } from '../../shared/orderFeed';
import type { MonstockOrderRef, OrderSearchFacts } from '../../shared/orderPayment';
import { withActivityFailures } from '../failures';
import { advancePast, alreadyDelivered } from './cursor';

/** Hands an order change to its order workflow (signal-with-start); the worker wires it to Temporal. */
export type OrderChanged = (
  connectionId: string,
  change: MonstockOrderRef,
  searchable?: OrderSearchFacts,
) => Promise<void>;

export interface PollOrderFeedInput {
  connectionId: string;
  cursor: OrderFeedCursor;
  /** Most pages read by this call (default 10). */
  maxPages?: number;
}

export interface PollOrderFeedResult {
  cursor: OrderFeedCursor;
  delivered: number;
  skipped: number;
  pages: number;
  /** true: stopped at maxPages with more to read; call again without waiting. */
  more: boolean;
}

export const ORDER_FEED_NOT_WIRED = 'OrderFeedNotWired';
const PAGE_SIZE = 100;
const DEFAULT_MAX_PAGES = 10;
/** Signal-with-starts in flight at once: enough to drain a page quickly, few enough not to crowd Temporal. */
const DELIVERY_CONCURRENCY = 8;

const progressSchema = z.object({
  cursor: z.object({ updatedSince: z.string().optional(), lastId: z.string().optional(), page: z.string().optional() }),
  delivered: z.number(),
  skipped: z.number(),
  pages: z.number(),
});
type Progress = z.infer<typeof progressSchema>;

/**
 * One walk of Monstock's order list from the cursor, each changed order handed to its workflow
 * as `order.polled`. Every page ends with a heartbeat carrying the progress, so a retry after a
 * crash resumes after the last page finished instead of at the start.
 */
export function createPollOrderFeed(clients: { monstock: MonstockClient; orderChanged?: OrderChanged }) {
  return async function pollMonstockOrderFeed(input: PollOrderFeedInput): Promise<PollOrderFeedResult> {
    const orderChanged = clients.orderChanged;
    if (!orderChanged)
      throw ApplicationFailure.create({
        type: ORDER_FEED_NOT_WIRED,
        message: 'the worker was built without an orderChanged client',
        nonRetryable: true,
      });
    return withActivityFailures(async () => {
      const progress = resumedProgress() ?? { cursor: { ...input.cursor }, delivered: 0, skipped: 0, pages: 0 };
      const maxPages = input.maxPages ?? DEFAULT_MAX_PAGES;
      while (progress.pages < maxPages) {
        // A refused page cursor re-reads from updatedSince; the cursor's key skips what was delivered.
        const page = await readChangesPage(
          (options) => clients.monstock.listOrders(options),
          progress.cursor,
          PAGE_SIZE,
        );
        const fresh = page.data.filter((order) => !alreadyDelivered(progress.cursor, order));
        // Heartbeats between batches keep the last finished page as the progress: a retry
        // re-delivers this page at most, which the order workflows ignore.
        await inBatches(
          fresh,
          DELIVERY_CONCURRENCY,
          (order) =>
            orderChanged(input.connectionId, changeOf(order), {
              reference: order.reference,
              paymentStatus: order.paymentStatus,
            }),
          () => beat(progress),
        );
        // Page order is (updatedAt, id): the last fresh order is the furthest point delivered.
        const last = fresh[fresh.length - 1];
        if (last) progress.cursor = advancePast(progress.cursor, last);
        if (page.nextCursor) progress.cursor.page = page.nextCursor;
        else delete progress.cursor.page;
        progress.delivered += fresh.length;
        progress.skipped += page.data.length - fresh.length;
        progress.pages += 1;
        beat(progress);
        if (!page.nextCursor) return { ...progress, more: false };
      }
      return { ...progress, more: true };
    });
  };
}

function changeOf(order: Order): MonstockOrderRef {
  return {
    eventId: polledEventId(order.id, order.version),
    type: 'order.polled',
    orderId: order.id,
    version: order.version,
    updatedAt: order.updatedAt,
  };
}

/** A copy: the progress object keeps changing while the SDK may still be sending the last beat. */
function beat(progress: Progress): void {
  heartbeat({ ...progress, cursor: { ...progress.cursor } });
}

function resumedProgress(): Progress | undefined {
  const parsed = progressSchema.safeParse(activityInfo().heartbeatDetails);
  return parsed.success ? parsed.data : undefined;
}

async function inBatches<T>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<void>,
  afterBatch: () => void,
): Promise<void> {
  for (let start = 0; start < items.length; start += size) {
    await Promise.all(items.slice(start, start + size).map(work));
    afterBatch();
  }
}
