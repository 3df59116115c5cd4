import { WEBHOOK_COUNTERS, type Counters, type NotedWebhookEvent } from '../observability/counters';
import type { Database } from '../store/database';
import { loadHealthTotals, saveReplicaHealth } from '../store/webhookHealth';

/**
 * The webhook endpoint's last success and last failure per source, without touching the routes:
 * the routes only count, so this watches the counters and notes when a total went up. A time is
 * therefore "seen by" (at most one check interval after the request), never before the process
 * started; the totals themselves are exact.
 *
 * Replicas share what they must agree on through the database: each replica upserts its own
 * totals and times per source (every check, and before it answers the page), and the page sums
 * every replica's rows, so all replicas serve the same numbers. The last noted events stay per
 * replica (they are examples for a person, not totals).
 */
export interface WebhookSourceHealth {
  source: string;
  /** 2xx answers: accepted, plus verified events acknowledged without delivery (unknown type, ignored). */
  succeeded: number;
  /** 400 (rejected) and 503 (unavailable) answers. */
  rejected: number;
  unavailable: number;
  lastSuccessSeenAt?: string;
  lastFailureSeenAt?: string;
  /** 500 answers: causes a retry alone will not cure (see the routes). */
  failed: number;
  /** The last events acknowledged or refused for a cause no retry cures (unknown object, bad id, other mode). */
  recent?: NotedWebhookEvent[];
}

const SUCCESS = [WEBHOOK_COUNTERS.accepted, WEBHOOK_COUNTERS.unknown, WEBHOOK_COUNTERS.ignored];

/** Sums each counter family per `source` label from the Prometheus text (the counters expose no other listing). */
export function totalsBySource(prometheusText: string): Map<string, Map<string, number>> {
  const bySource = new Map<string, Map<string, number>>();
  for (const line of prometheusText.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!match) continue;
    const source = /(?:^\{|,)source="((?:[^"\\]|\\.)*)"/.exec(match[2] ?? '')?.[1];
    if (source === undefined) continue;
    const families = bySource.get(source) ?? new Map<string, number>();
    families.set(match[1]!, (families.get(match[1]!) ?? 0) + Number(match[3]));
    bySource.set(source, families);
  }
  return bySource;
}

export interface WebhookHealthOptions {
  sources?: readonly string[];
  now?: () => Date;
  /** The database replicas share health through; unset, this replica's own numbers only. */
  shared?: { database: Database; connectionId: string; replicaId: string };
}

export class WebhookHealth {
  private readonly state = new Map<string, WebhookSourceHealth>();
  private timer: NodeJS.Timeout | undefined;
  private publishing: Promise<void> = Promise.resolve();

  constructor(
    private readonly counters: Counters,
    private readonly options: WebhookHealthOptions = {},
  ) {
    for (const source of options.sources ?? [])
      this.state.set(source, { source, succeeded: 0, rejected: 0, unavailable: 0, failed: 0 });
    // Whatever was counted before this object watched has no known time: a baseline, not a success.
    this.observe(false);
  }

  /** Checks the counters every `intervalMs` (the precision of the "seen" times); unref'd. */
  start(intervalMs = 5_000): this {
    this.stop();
    this.timer = setInterval(() => {
      this.observe();
      // A database that is down for a moment only delays the shared numbers: the next check publishes them.
      this.publish().catch(() => undefined);
    }, intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the counters now and notes the sources whose successes or failures went up. */
  observe(noteTimes = true): void {
    const now = (this.options.now ?? (() => new Date()))().toISOString();
    for (const [source, families] of totalsBySource(this.counters.toPrometheus())) {
      const sum = (names: readonly string[]) => names.reduce((total, name) => total + (families.get(name) ?? 0), 0);
      const previous = this.state.get(source) ?? { source, succeeded: 0, rejected: 0, unavailable: 0, failed: 0 };
      const next: WebhookSourceHealth = {
        ...previous,
        succeeded: sum(SUCCESS),
        rejected: sum([WEBHOOK_COUNTERS.rejected]),
        unavailable: sum([WEBHOOK_COUNTERS.unavailable]),
        failed: sum([WEBHOOK_COUNTERS.failed]),
      };
      if (noteTimes && next.succeeded > previous.succeeded) next.lastSuccessSeenAt = now;
      if (
        noteTimes &&
        next.rejected + next.unavailable + next.failed > previous.rejected + previous.unavailable + previous.failed
      )
        next.lastFailureSeenAt = now;
      this.state.set(source, next);
    }
  }

  snapshot(): WebhookSourceHealth[] {
    this.observe();
    return [...this.state.values()]
      .sort((a, b) => a.source.localeCompare(b.source))
      .map((entry) => {
        const recent = this.counters.notedEvents(entry.source);
        return { ...entry, ...(recent.length > 0 ? { recent } : {}) };
      });
  }

  /** Writes this replica's totals and times to its rows in the database (in order, one write at a time). */
  publish(): Promise<void> {
    const shared = this.options.shared;
    if (!shared) return Promise.resolve();
    const rows = [...this.state.values()].map((entry) => ({
      source: entry.source,
      succeeded: entry.succeeded,
      rejected: entry.rejected,
      unavailable: entry.unavailable,
      failed: entry.failed,
      ...(entry.lastSuccessSeenAt ? { lastSuccessAt: entry.lastSuccessSeenAt } : {}),
      ...(entry.lastFailureSeenAt ? { lastFailureAt: entry.lastFailureSeenAt } : {}),
    }));
    const next = this.publishing
      .catch(() => undefined)
      .then(() => saveReplicaHealth(shared.database, shared.connectionId, shared.replicaId, rows));
    this.publishing = next;
    return next;
  }

  /** What the page shows: every replica's rows summed (this replica's published first), or this replica's alone. */
  async sharedSnapshot(): Promise<WebhookSourceHealth[]> {
    const local = this.snapshot();
    const shared = this.options.shared;
    if (!shared) return local;
    await this.publish();
    const recentBySource = new Map(local.map((entry) => [entry.source, entry.recent]));
    return (await loadHealthTotals(shared.database, shared.connectionId)).map((row) => {
      const recent = recentBySource.get(row.source);
      return {
        source: row.source,
        succeeded: row.succeeded,
        rejected: row.rejected,
        unavailable: row.unavailable,
        failed: row.failed,
        ...(row.lastSuccessAt ? { lastSuccessSeenAt: row.lastSuccessAt } : {}),
        ...(row.lastFailureAt ? { lastFailureSeenAt: row.lastFailureAt } : {}),
        ...(recent ? { recent } : {}),
      };
    });
  }
}
