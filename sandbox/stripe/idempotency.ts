import type { SandboxDatabase } from '../kit/database';

/**
 * Stripe's `Idempotency-Key`: the first answer to a POST is kept for 24 hours and replayed
 * byte for byte for a retry with the same parameters; the same key with other parameters is an
 * `idempotency_error`. Kept in SQLite, so a retry after a sandbox restart still replays.
 */
export const KEY_LIFETIME_SECONDS = 24 * 60 * 60;
export const MAX_KEY_LENGTH = 255;

export interface StoredAnswer {
  status: number;
  body: string;
  requestId: string;
}

export type Lookup = { kind: 'new' } | { kind: 'replay'; answer: StoredAnswer } | { kind: 'mismatch' };

export class IdempotencyKeys {
  constructor(private readonly db: SandboxDatabase) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS stripe_idempotency_keys (
        key TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        request_id TEXT NOT NULL,
        created INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS stripe_idempotency_keys_created ON stripe_idempotency_keys (created);
    `);
  }

  lookup(key: string, fingerprint: string, nowSeconds: number): Lookup {
    const row = this.db
      .prepare(
        'SELECT fingerprint, status, body, request_id FROM stripe_idempotency_keys WHERE key = ? AND created > ?',
      )
      .get(key, nowSeconds - KEY_LIFETIME_SECONDS) as
      { fingerprint: string; status: number; body: string; request_id: string } | undefined;
    if (!row) return { kind: 'new' };
    if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
    return { kind: 'replay', answer: { status: row.status, body: row.body, requestId: row.request_id } };
  }

  remember(key: string, fingerprint: string, answer: StoredAnswer, nowSeconds: number): void {
    this.db.prepare('DELETE FROM stripe_idempotency_keys WHERE created <= ?').run(nowSeconds - KEY_LIFETIME_SECONDS);
    this.db
      .prepare(
        `INSERT INTO stripe_idempotency_keys (key, fingerprint, status, body, request_id, created) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, status = excluded.status, body = excluded.body,
         request_id = excluded.request_id, created = excluded.created`,
      )
      .run(key, fingerprint, answer.status, answer.body, answer.requestId, nowSeconds);
  }

  clear(): void {
    this.db.exec('DELETE FROM stripe_idempotency_keys');
  }
}

/** Same endpoint and same parameters, whatever order the client wrote them in. */
export function fingerprintOf(method: string, path: string, params: unknown): string {
  return `${method} ${path} ${canonicalJson(params)}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
