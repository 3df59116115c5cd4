import type { SandboxDatabase } from './database';
import type { FaultController } from './faults';
import { request } from 'undici';

/**
 * At-least-once webhook delivery with retries and the chaos knobs (drop, duplicate, delay,
 * reorder). Deliveries live in SQLite, so a sandbox restarted mid-retry still delivers.
 */
export interface OutboxMessage {
  eventId: string;
  /** Identifies the receiving endpoint (the Stripe sandbox has several; Monstock has one). */
  endpointId: string;
  url: string;
  payload: string;
}

export interface DeliveryResult {
  eventId: string;
  endpointId: string;
  ok: boolean;
  status?: number;
  error?: string;
  attempt: number;
}

export interface OutboxOptions {
  db: SandboxDatabase;
  faults: FaultController;
  /**
   * Signs a stored row at send time, so each retry carries a fresh timestamp; the signer is
   * looked up by endpoint id because secrets are not copied into the outbox.
   */
  signerFor: (endpointId: string) => ((payload: string) => Record<string, string>) | undefined;
  onResult?: (result: DeliveryResult) => void;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  maxAttempts?: number;
  timeoutMs?: number;
  pollMs?: number;
  concurrency?: number;
  random?: () => number;
  now?: () => number;
}

interface DeliveryRow {
  id: number;
  event_id: string;
  endpoint_id: string;
  url: string;
  payload: string;
  attempts: number;
  next_attempt_at: number;
}

export interface OutboxStats {
  enqueued: number;
  delivered: number;
  failedAttempts: number;
  dropped: number;
  duplicated: number;
  delayed: number;
  reordered: number;
  pending: number;
}

export class WebhookOutbox {
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private stopped = true;
  private readonly counters = {
    enqueued: 0,
    delivered: 0,
    failedAttempts: 0,
    dropped: 0,
    duplicated: 0,
    delayed: 0,
    reordered: 0,
  };
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly activeDeliveries = new Set<Promise<void>>();

  constructor(private readonly options: OutboxOptions) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    options.db.exec(`
      CREATE TABLE IF NOT EXISTS webhook_deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL,
        endpoint_id TEXT NOT NULL,
        url TEXT NOT NULL,
        payload TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        last_error TEXT
      );
      CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
    `);
  }

  /** Queues one event for one endpoint, applying the webhook fault knobs. */
  enqueue(message: OutboxMessage): void {
    const faults = this.options.faults.webhooks;
    this.counters.enqueued += 1;
    if (this.options.faults.chance(faults.dropRate)) {
      this.counters.dropped += 1;
      this.options.onResult?.({
        eventId: message.eventId,
        endpointId: message.endpointId,
        ok: false,
        error: 'dropped by fault knob',
        attempt: 0,
      });
      return;
    }
    const copies = this.options.faults.chance(faults.duplicateRate) ? 2 : 1;
    if (copies === 2) this.counters.duplicated += 1;
    const insert = this.options.db.prepare(
      'INSERT INTO webhook_deliveries (event_id, endpoint_id, url, payload, next_attempt_at) VALUES (?, ?, ?, ?, ?)',
    );
    for (let copy = 0; copy < copies; copy += 1) {
      let dueAt = this.now();
      if (faults.delayMs) {
        dueAt += faults.delayMs;
        this.counters.delayed += 1;
      }
      if (this.options.faults.chance(faults.reorderRate)) {
        // Held back long enough that the events queued after it overtake it.
        dueAt += 200 + Math.floor(this.random() * Math.max(800, faults.delayMs ?? 0));
        this.counters.reordered += 1;
      }
      insert.run(message.eventId, message.endpointId, message.url, message.payload, dueAt);
    }
    this.kick();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.activeDeliveries]);
  }

  /** Forgets every queued delivery (sandbox reset). */
  clear(): void {
    this.options.db.exec('DELETE FROM webhook_deliveries');
  }

  stats(): OutboxStats {
    const pending = this.options.db
      .prepare("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'pending'")
      .get() as { n: number };
    return { ...this.counters, pending: pending.n };
  }

  private kick(): void {
    if (!this.stopped) this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), ms);
    this.timer.unref?.();
  }

  private pump(): void {
    if (this.stopped) return;
    const concurrency = this.options.concurrency ?? 16;
    const free = concurrency - this.inFlight;
    if (free > 0) {
      const due = this.options.db
        .prepare(
          "SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
        )
        .all(this.now(), free) as DeliveryRow[];
      const claim = this.options.db.prepare("UPDATE webhook_deliveries SET status = 'sending' WHERE id = ?");
      for (const row of due) {
        claim.run(row.id);
        this.inFlight += 1;
        const delivery = this.deliver(row).finally(() => {
          this.inFlight -= 1;
          this.activeDeliveries.delete(delivery);
          this.kick();
        });
        this.activeDeliveries.add(delivery);
      }
    }
    const next = this.options.db
      .prepare("SELECT MIN(next_attempt_at) AS at FROM webhook_deliveries WHERE status = 'pending'")
      .get() as { at: number | null };
    const wait =
      next.at === null
        ? (this.options.pollMs ?? 1000)
        : Math.max(0, Math.min(next.at - this.now(), this.options.pollMs ?? 1000));
    this.schedule(wait);
  }

  private async deliver(row: DeliveryRow): Promise<void> {
    const attempt = row.attempts + 1;
    const sign = this.options.signerFor(row.endpoint_id);
    let ok = false;
    let status: number | undefined;
    let error: string | undefined;
    if (!sign) {
      error = 'endpoint no longer exists';
    } else {
      try {
        const answer = await request(row.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...sign(row.payload) },
          body: row.payload,
          headersTimeout: this.options.timeoutMs ?? 10_000,
          bodyTimeout: this.options.timeoutMs ?? 10_000,
        });
        status = answer.statusCode;
        await answer.body.dump();
        ok = status >= 200 && status < 300;
        if (!ok) error = `HTTP ${status}`;
      } catch (caught) {
        error = (caught as Error).message;
      }
    }
    const maxAttempts = this.options.maxAttempts ?? 20;
    if (ok) {
      this.counters.delivered += 1;
      this.options.db
        .prepare("UPDATE webhook_deliveries SET status = 'delivered', attempts = ? WHERE id = ?")
        .run(attempt, row.id);
    } else {
      this.counters.failedAttempts += 1;
      const gaveUp = !sign || attempt >= maxAttempts;
      const backoff = Math.min(
        (this.options.backoffBaseMs ?? 1000) * 2 ** (attempt - 1),
        this.options.backoffMaxMs ?? 60_000,
      );
      this.options.db
        .prepare(
          'UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?',
        )
        .run(gaveUp ? 'failed' : 'pending', attempt, this.now() + backoff, error ?? null, row.id);
    }
    this.options.onResult?.({
      eventId: row.event_id,
      endpointId: row.endpoint_id,
      ok,
      ...(status !== undefined ? { status } : {}),
      ...(error ? { error } : {}),
      attempt,
    });
  }

  /** On start, deliveries caught mid-send by a crash go back to pending: at least once. */
  recoverInterrupted(): void {
    this.options.db.exec("UPDATE webhook_deliveries SET status = 'pending' WHERE status = 'sending'");
  }
}
