import { createHash, randomUUID } from 'node:crypto';
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
export function stripeBudgetScope(secretKey: string, stripeAccount?: string): string {
  const key = `key_${createHash('sha256').update(secretKey).digest('hex').slice(0, 16)}`;
  // A connected account is limited by Stripe on its own, apart from the platform and its other accounts.
  return stripeAccount ? `${key}_${stripeAccount}` : key;
}

/** The schedule's answer, and how many processes (this one included) spent the budget in the last minute. */
export interface BudgetReservation extends Reservation {
  processes: number;
}

/** A process counts as sharing the budget this long after its last reservation. */
const RECENT_PROCESS_SECONDS = 60;

/**
 * Reserves `count` slots `gapMs` apart at the end of `scope`'s schedule (never before now), and
 * answers the schedule's new end and the database's clock, both in Unix ms. The row lock taken by
 * the upsert serialises concurrent reservations, so no two processes get the same slot. The same
 * statement marks `clientId` as spending this budget now and counts the processes that did lately,
 * so the count costs no round trip of its own.
 */
export async function reserveStripeSlots(
  database: Database,
  scope: string,
  count: number,
  gapMs: number,
  clientId = PROCESS_ID,
): Promise<BudgetReservation> {
  const result = await database.query<{ end_ms: number; now_ms: number; others: string | number }>(
    `WITH seen AS (
       INSERT INTO stripe_budget_clients AS c (scope, client_id, last_seen) VALUES ($1, $4, clock_timestamp())
       ON CONFLICT (scope, client_id) DO UPDATE SET last_seen = EXCLUDED.last_seen
       RETURNING 1
     ), gone AS (
       DELETE FROM stripe_budget_clients WHERE scope = $1 AND last_seen < clock_timestamp() - interval '1 hour'
     ), slot AS (
       INSERT INTO stripe_rate_budget AS b (scope, next_slot)
         VALUES ($1, clock_timestamp() + make_interval(secs => $2::int * $3::float8 / 1000))
       ON CONFLICT (scope) DO UPDATE
         SET next_slot = GREATEST(b.next_slot, clock_timestamp()) + make_interval(secs => $2::int * $3::float8 / 1000)
       RETURNING (extract(epoch FROM b.next_slot) * 1000)::float8 AS end_ms,
                 (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms
     )
     SELECT slot.end_ms, slot.now_ms,
            (SELECT count(*) FROM stripe_budget_clients
              WHERE scope = $1 AND client_id <> $4
                AND last_seen > clock_timestamp() - make_interval(secs => $5::int)) AS others
       FROM slot, seen`,
    [scope, count, gapMs, clientId, RECENT_PROCESS_SECONDS],
  );
  const row = result.rows[0];
  const answer = { endMs: Number(row?.end_ms), nowMs: Number(row?.now_ms), processes: Number(row?.others) + 1 };
  if (!Number.isFinite(answer.endMs) || !Number.isFinite(answer.nowMs) || !Number.isInteger(answer.processes))
    throw new Error('stripe_rate_budget answered no schedule');
  return answer;
}

/** This process, among those sharing a budget: random, so two processes never share an id. */
const PROCESS_ID = `${process.pid}-${randomUUID()}`;

/**
 * Failures that mean the database cannot be reached now (its connection refused, reset or timed
 * out, the server shutting down or full, the pool closed), as against a statement that failed.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    // SQLSTATE class 08: connection exception; 57P01-57P03: shutdown, crash, not yet accepting;
    // 53300: too many connections.
    if (/^08/.test(code) || ['57P01', '57P02', '57P03', '53300'].includes(code)) return true;
    if (/^E(CONNREFUSED|CONNRESET|TIMEDOUT|PIPE|HOSTUNREACH|NETUNREACH|NOTFOUND|AI_AGAIN)$/.test(code)) return true;
  }
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|after calling end on the pool/i.test(
    error.message,
  );
}

export interface StripeBudgetOptions {
  database: Database;
  secretKey: string;
  /** A Stripe Connect account acted on under `secretKey` (the platform's): its own budget. */
  stripeAccount?: string | undefined;
  /** STRIPE_RATE_LIMIT_PER_SECOND: for the whole account, all processes together. */
  ratePerSecond: number;
  logger?: Logger;
  maxBatch?: number;
  /** How long a reservation may take before the database counts as unreachable. */
  reserveTimeoutMs?: number;
}

/**
 * The process's limiter for the account's shared budget. A slow database is waited for (it is
 * still the one budget). While it cannot be reached, the process limits itself to its share: the
 * rate divided by the processes (workers and webhook replicas) that spent the budget in the minute
 * before, as the last reservation counted them (logged once per outage). The others, cut off from
 * the same database, do the same, so together they stay within the rate; a payment never waits on
 * the database; and a process that never reached it assumes one other (a second worker).
 */
export function stripeBudgetLimiter(options: StripeBudgetOptions): RateLimiter {
  const scope = stripeBudgetScope(options.secretKey, options.stripeAccount);
  let processes = 2;
  const alone = new Map<number, SlidingWindowLimiter>();
  const share: RateLimiter = {
    ratePerSecond: options.ratePerSecond,
    take: (count) => {
      let limiter = alone.get(processes);
      if (!limiter) {
        limiter = new SlidingWindowLimiter(options.ratePerSecond / processes);
        alone.set(processes, limiter);
      }
      return limiter.take(count);
    },
  };
  return new SharedScheduleLimiter(
    options.ratePerSecond,
    async (count, gapMs) => {
      const answer = await reserveStripeSlots(options.database, scope, count, gapMs);
      processes = Math.max(1, answer.processes);
      return answer;
    },
    {
      fallback: share,
      isOutage: isDatabaseUnreachable,
      ...(options.maxBatch !== undefined ? { maxBatch: options.maxBatch } : {}),
      ...(options.reserveTimeoutMs !== undefined ? { reserveTimeoutMs: options.reserveTimeoutMs } : {}),
      onFallback: (error) =>
        options.logger?.warn(
          'stripe rate budget unreachable in the database: this process limits itself to its share',
          {
            scope,
            ratePerSecond: options.ratePerSecond,
            processes,
            error: error instanceof Error ? error.message : String(error),
          },
        ),
      onRecovered: () => options.logger?.info('stripe rate budget shared through the database again', { scope }),
    },
  );
}
