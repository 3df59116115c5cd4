import { request } from 'undici';
import { z } from 'zod';
import type { MonstockClient } from '../src/monstock/client';
import { ordersUpdatedSince } from './monstockOrders';

/**
 * How the end-to-end measurement sees orders change in Monstock. With one tenant, the tenant's
 * own `updatedSince` list (one call per poll). With many tenants a list per tenant would put a
 * hundred calls per poll on the sandbox, so the sandbox's event record is read instead: every
 * tenant's `order.updated` in one call, from the last seq read. A comparison of 1 and N connections
 * uses the event record for both, so the watcher costs the same on each side.
 */
export interface WatchedOrder {
  id: string;
  updatedAt: string;
  paymentStatus: string;
  stripePaymentIntentId: string | undefined;
}

export interface OrderWatch {
  /** Orders changed since the previous call (the first: since the watch was made). */
  changed(): Promise<WatchedOrder[]>;
}

export function orderListWatch(monstock: MonstockClient, sinceIso: string): OrderWatch {
  let cursor = sinceIso;
  return {
    async changed() {
      const orders = await ordersUpdatedSince(monstock, cursor);
      for (const order of orders) if (order.updatedAt > cursor) cursor = order.updatedAt;
      return orders.map((order) => ({
        id: order.id,
        updatedAt: order.updatedAt,
        paymentStatus: order.paymentStatus,
        stripePaymentIntentId: order.externalRefs.stripePaymentIntentId ?? undefined,
      }));
    },
  };
}

const eventPageSchema = z.object({
  data: z.array(
    z.object({
      seq: z.number().int(),
      data: z.object({
        object: z.object({
          id: z.string(),
          updatedAt: z.string(),
          paymentStatus: z.string(),
          externalRefs: z.object({ stripePaymentIntentId: z.string().nullish() }).partial().default({}),
        }),
      }),
    }),
  ),
});

const PAGE = 10_000;

/** One page of every tenant's `order.updated` after `afterSeq`, from `GET /_sandbox/events`. */
async function eventPage(monstockUrl: string, afterSeq: number) {
  const answer = await request(`${monstockUrl}/_sandbox/events?type=order.updated&after=${afterSeq}&limit=${PAGE}`, {
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const body: unknown = await answer.body.json();
  if (answer.statusCode !== 200) throw new Error(`GET /_sandbox/events answered ${answer.statusCode}`);
  return eventPageSchema.parse(body).data;
}

/** Reads on from `seq` to the end of the record, moving `seq`; returns what it read. */
async function readOn(monstockUrl: string, seq: { value: number }): Promise<WatchedOrder[]> {
  const out: WatchedOrder[] = [];
  for (;;) {
    const page = await eventPage(monstockUrl, seq.value);
    for (const event of page) {
      seq.value = Math.max(seq.value, event.seq);
      const order = event.data.object;
      out.push({
        id: order.id,
        updatedAt: order.updatedAt,
        paymentStatus: order.paymentStatus,
        stripePaymentIntentId: order.externalRefs.stripePaymentIntentId ?? undefined,
      });
    }
    if (page.length < PAGE) return out;
  }
}

/**
 * A watch over the event record from now on: `seq` (kept by the stack) is first moved to the
 * end, so only changes after this call are reported.
 */
export async function orderEventWatch(monstockUrl: string, seq: { value: number }): Promise<OrderWatch> {
  await readOn(monstockUrl, seq);
  return { changed: () => readOn(monstockUrl, seq) };
}
