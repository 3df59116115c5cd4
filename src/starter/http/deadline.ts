import type { Client } from '@temporalio/client';

/**
 * Stops waiting for slow work at a deadline, leaving it running (its effects are idempotent):
 * a webhook sender stops waiting after some seconds, so the route answers 503 in time instead.
 */
export async function beforeDeadline<T>(work: Promise<T>, deadline: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took too long`)), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Hands work to Temporal within a webhook's budget: the client's own deadline (`temporalDeadline`,
 * at most the budget) bounds its retries, and the race bounds the backoff it may overshoot by.
 */
export function handOffBefore<T>(
  client: Client,
  deadline: number,
  what: string,
  work: () => Promise<T>,
  temporalDeadline = deadline,
): Promise<T> {
  return beforeDeadline(client.connection.withDeadline(Math.min(deadline, temporalDeadline), work), deadline, what);
}
