import { createHash } from 'node:crypto';
import type { Logger } from '../observability/logger';
import { SharedScheduleLimiter, SlidingWindowLimiter, type RateLimiter, type Reservation } from '../stripe/rateLimiter';
import type { Database } from './database';

/**
 * The Stripe request budget every worker of an account shares, in the connector's database
 * (table `stripe_rate_budget`, one row per account). The row holds the end of the account's
 * request schedule; a process reserves the next slots with one atomic statement on the database's
 * clock, so processes on hosts whose clocks disagree still space their calls on one timeline.
 */

/**
 * A stable, non-secret id for the account a Stripe key spends the budget of: a short hash of the
 * key, never the key. Two merchants' keys get two budgets; a rotated key starts a new one.
 */
export function stripeBudgetScope(secretKey: string): string {
  return `key_${createHash('sha256').update(secretKey).digest('hex').slice(0, 16)}`;
}

/**
 * Reserves `count` slots `gapMs` apart at the end of `scope`'s schedule (never before now), and
 * answers the schedule's new end and the database's clock, both in Unix ms. The row lock taken by
 * the upsert serialises concurrent reservations, so no two processes get the same slot.
 */
export async function reserveStripeSlots(
  database: Database,
  scope: string,
  count: number,
  gapMs: number,
): Promise<Reservation> {
  const result = await database.query<{ end_ms: number; now_ms: number }>(
    `INSERT INTO stripe_rate_budget AS b (scope, next_slot)
       VALUES ($1, clock_timestamp() + make_interval(secs => $2::int * $3::float8 / 1000))
     ON CONFLICT (scope) DO UPDATE
       SET next_slot = GREATEST(b.next_slot, clock_timestamp()) + make_interval(secs => $2::int * $3::float8 / 1000)
     RETURNING (extract(epoch FROM b.next_slot) * 1000)::float8 AS end_ms,
               (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms`,
    [scope, count, gapMs],
  );
  const row = result.rows[0];
  const answer = { endMs: Number(row?.end_ms), nowMs: Number(row?.now_ms) };
  if (!Number.isFinite(answer.endMs) || !Number.isFinite(answer.nowMs))
    throw new Error('stripe_rate_budget answered no schedule');
  return answer;
}

export interface StripeBudgetOptions {
  database: Database;
  secretKey: string;
  /** STRIPE_RATE_LIMIT_PER_SECOND: for the whole account, all processes together. */
  ratePerSecond: number;
  logger?: Logger;
  maxBatch?: number;
}

/**
 * The process's limiter for the account's shared budget. While the database cannot be reached,
 * the process falls back to the whole rate on its own (logged once per outage), not a share of
 * it: how many workers are running is not known to one of them, a payment must not wait on the
 * database, and what a few workers overspend for a while Stripe refuses with 429s that the
 * client waits out (Retry-After) rather than fails.
 */
export function stripeBudgetLimiter(options: StripeBudgetOptions): RateLimiter {
  const scope = stripeBudgetScope(options.secretKey);
  return new SharedScheduleLimiter(
    options.ratePerSecond,
    (count, gapMs) => reserveStripeSlots(options.database, scope, count, gapMs),
    {
      fallback: new SlidingWindowLimiter(options.ratePerSecond),
      ...(options.maxBatch !== undefined ? { maxBatch: options.maxBatch } : {}),
      onFallback: (error) =>
        options.logger?.warn('stripe rate budget unreachable in the database: this worker limits itself alone', {
          scope,
          ratePerSecond: options.ratePerSecond,
          error: error instanceof Error ? error.message : String(error),
        }),
      onRecovered: () => options.logger?.info('stripe rate budget shared through the database again', { scope }),
    },
  );
}
