import { request } from 'undici';
import type { MonstockClient } from '../src/monstock/client';
import type { Order } from '../src/monstock/schemas';

/**
 * Seeds orders through the sandbox's admin route. With `webhooks` (as in production) each sends
 * its `order.created`, so the connector aligns Stripe with it; without, the connector hears nothing.
 */
export async function seedOrders(
  monstockUrl: string,
  orders: number,
  customers = 20,
  webhooks = false,
  /** The sandbox tenant to seed (a registered connection's); the default tenant when undefined. */
  tenantId?: string,
): Promise<string[]> {
  const ids: string[] = [];
  for (let left = orders; left > 0;) {
    const batch = Math.min(left, 5_000);
    const answer = await request(`${monstockUrl}/_sandbox/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customers, orders: batch, currency: 'EUR', webhooks, ...(tenantId ? { tenantId } : {}) }),
    });
    const body = (await answer.body.json()) as { orders?: string[] };
    if (answer.statusCode !== 201 || !body.orders)
      throw new Error(`seed answered ${answer.statusCode}: ${JSON.stringify(body).slice(0, 200)}`);
    ids.push(...body.orders);
    left -= batch;
  }
  return ids;
}

/** Every order changed since `since` (inclusive), all pages. */
export async function ordersUpdatedSince(monstock: MonstockClient, since: string): Promise<Order[]> {
  const out: Order[] = [];
  let cursor: string | undefined;
  do {
    const page = await monstock.listOrders({ updatedSince: since, limit: 100, ...(cursor ? { cursor } : {}) });
    out.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

export async function setFaults(baseUrl: string, faults: Record<string, unknown>): Promise<void> {
  const answer = await request(`${baseUrl}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  const text = await answer.body.text();
  if (answer.statusCode >= 300) throw new Error(`faults answered ${answer.statusCode}: ${text.slice(0, 200)}`);
}
