import type { OrderFeedCursor } from '../../shared/orderFeed';

/**
 * The feed's resume point, as pure functions. Monstock sorts by (updatedAt, id) and answers
 * `updatedSince` inclusively, so an order sorting at or before the last one delivered was
 * already handed over; anything after it, including a later snapshot of the same order, is new.
 */
export interface OrderKey {
  id: string;
  updatedAt: string;
}

export function alreadyDelivered(cursor: OrderFeedCursor, order: OrderKey): boolean {
  if (cursor.updatedSince === undefined) return false;
  const byTime = compareTimes(order.updatedAt, cursor.updatedSince);
  if (byTime !== 0) return byTime < 0;
  return cursor.lastId !== undefined && order.id <= cursor.lastId;
}

/** The cursor after `order` was delivered; Monstock's page cursor is left as it is. */
export function advancePast(cursor: OrderFeedCursor, order: OrderKey): OrderFeedCursor {
  if (alreadyDelivered(cursor, order)) return cursor;
  return { ...cursor, updatedSince: order.updatedAt, lastId: order.id };
}

/**
 * By instant, not by text ("…00Z" and "…00.000Z" are the same moment), down to the digits past
 * the millisecond that Date.parse drops: a Monstock with microseconds must not look tied.
 */
function compareTimes(a: string, b: string): number {
  const left = Date.parse(a);
  const right = Date.parse(b);
  if (Number.isNaN(left) || Number.isNaN(right)) return a < b ? -1 : a > b ? 1 : 0;
  return Math.sign(left - right) || Math.sign(belowMillisecond(a) - belowMillisecond(b));
}

function belowMillisecond(time: string): number {
  const fraction = /\.(\d+)/.exec(time)?.[1] ?? '';
  return Number(fraction.padEnd(9, '0').slice(3, 9));
}
