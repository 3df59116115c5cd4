import type Stripe from 'stripe';
import type { BenchConnection } from './connections';
import { seedOrders } from './monstockOrders';
import type { BenchStack } from './stack';
import { benchStripeClient } from './stripeClient';

/**
 * Spreading a phase's orders round-robin over the stack's connections: order i of the phase goes
 * to connection (stack.nextConnection + i) mod N, and the stack's counter moves on, so the next
 * phase (or sweep point) starts where this one stopped and every connection gets its share.
 */
export interface PlannedOrder {
  orderId: string;
  connection: BenchConnection;
}

/** How many orders each connection index gets, in the order they are dealt. */
export function dealRoundRobin(count: number, connections: number, start: number): number[] {
  const indexes: number[] = [];
  for (let i = 0; i < count; i += 1) indexes.push((start + i) % connections);
  return indexes;
}

/**
 * Customers seeded with each connection's orders: the single-connection bench seeds 20 per phase;
 * spread over N tenants the total stays about the same (at least one per tenant with orders).
 */
export function customersPerTenant(orders: number, connections: number): number {
  if (orders <= 0) return 0;
  return Math.min(orders, Math.max(1, Math.ceil(20 / connections)));
}

export async function seedRoundRobin(stack: BenchStack, payments: number): Promise<PlannedOrder[]> {
  const { connections } = stack;
  const dealt = dealRoundRobin(payments, connections.length, stack.nextConnection.value);
  stack.nextConnection.value = (stack.nextConnection.value + payments) % connections.length;
  if (connections.length === 1)
    return (await seedOrders(stack.monstockUrl, payments, 20, true)).map((orderId) => ({
      orderId,
      connection: connections[0]!,
    }));
  const counts = new Map<number, number>();
  for (const index of dealt) counts.set(index, (counts.get(index) ?? 0) + 1);
  const seeded = new Map<number, string[]>();
  for (const [index, count] of counts) {
    const connection = connections[index]!;
    seeded.set(
      index,
      await seedOrders(
        stack.monstockUrl,
        count,
        customersPerTenant(count, connections.length),
        true,
        connection.tenantId,
      ),
    );
  }
  // Confirmed in the dealt order, so successive payments go to successive connections.
  return dealt.map((index) => ({ orderId: seeded.get(index)!.shift()!, connection: connections[index]! }));
}

export function spreadOf(planned: readonly PlannedOrder[]): number {
  return new Set(planned.map((each) => each.connection.id)).size;
}

/** One Stripe client per connection key (each key is its own account in the sandbox). */
export function stripeClientsByKey(stripeUrl: string): (key: string) => Stripe {
  const clients = new Map<string, Stripe>();
  return (key) => {
    let client = clients.get(key);
    if (!client) {
      client = benchStripeClient(key, stripeUrl);
      clients.set(key, client);
    }
    return client;
  };
}
