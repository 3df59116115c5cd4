import type { Logger } from '../../src/observability/logger';
import type { SandboxDatabase } from '../kit/database';

/**
 * What Stripe does "a little later" (a SEPA debit settling, a dispute opening, a dispute being
 * decided) as stored jobs: a sandbox restarted in between still does it. Jobs run in real time
 * (the clock-advance route ages data; it does not fire jobs), each inside its own transaction.
 */
export type JobHandler = (target: string) => void;

interface JobRow {
  id: number;
  kind: string;
  target: string;
}

export class Scheduler {
  private readonly handlers = new Map<string, JobHandler>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly db: SandboxDatabase,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS stripe_jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        due_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS stripe_jobs_due ON stripe_jobs (due_at);
    `);
  }

  handle(kind: string, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  schedule(kind: string, target: string, delayMs: number): void {
    this.db
      .prepare('INSERT INTO stripe_jobs (kind, target, due_at) VALUES (?, ?, ?)')
      .run(kind, target, this.now() + Math.max(0, delayMs));
    // Armed after the surrounding transaction returns, so the job sees committed state.
    if (this.running) setImmediate(() => this.arm());
  }

  /** Drops a pending job (an admin route did the thing now); true when one was pending. */
  cancel(kind: string, target: string): boolean {
    return this.db.prepare('DELETE FROM stripe_jobs WHERE kind = ? AND target = ?').run(kind, target).changes > 0;
  }

  start(): void {
    this.running = true;
    this.arm();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  clear(): void {
    this.db.exec('DELETE FROM stripe_jobs');
  }

  private arm(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    const next = this.db.prepare('SELECT MIN(due_at) AS at FROM stripe_jobs').get() as { at: number | null };
    if (next.at === null) {
      this.timer = undefined;
      return;
    }
    this.timer = setTimeout(() => this.runDue(), Math.max(0, next.at - this.now()));
    this.timer.unref?.();
  }

  private runDue(): void {
    if (!this.running) return;
    const due = this.db
      .prepare('SELECT id, kind, target FROM stripe_jobs WHERE due_at <= ? ORDER BY due_at, id')
      .all(this.now()) as JobRow[];
    for (const job of due) {
      try {
        this.db.transaction(() => {
          this.db.prepare('DELETE FROM stripe_jobs WHERE id = ?').run(job.id);
          const handler = this.handlers.get(job.kind);
          if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
          handler(job.target);
        })();
      } catch (error) {
        // A job whose object was reset or already moved on is dropped, not retried forever.
        this.logger.warn('scheduled job failed', { kind: job.kind, target: job.target, error });
        this.db.prepare('DELETE FROM stripe_jobs WHERE id = ?').run(job.id);
      }
    }
    this.arm();
  }
}
