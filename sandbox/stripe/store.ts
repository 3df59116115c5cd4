import type { SandboxDatabase } from '../kit/database';
import type { StripeObject } from './types';

/**
 * Every Stripe object is one row: its JSON as answered (related objects as ids), a few indexed
 * columns the list filters use, and an `internal` JSON for what Stripe keeps but never shows
 * (a webhook endpoint's secret, a test card's scripted behaviour). `seq` breaks ties between
 * objects created in the same second, so "newest first" is stable.
 */
export interface StoredRow {
  seq: number;
  id: string;
  type: string;
  created: number;
  deleted: number;
  data: string;
  internal: string | null;
}

function relatedId(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string')
    return (value as { id: string }).id;
  return null;
}

/** The per-type secondary key: what the list endpoints filter on besides customer/intent/charge. */
function lookupOf(object: StripeObject): string | null {
  if (object.object === 'event') return typeof object.type === 'string' ? object.type : null;
  if (object.object === 'balance_transaction') return relatedId(object.source);
  return null;
}

/** An object's string metadata as (key, lowercased value) pairs: what the search index holds. */
export function metadataPairs(object: StripeObject): Array<[string, string]> {
  const metadata = (object as { metadata?: unknown }).metadata;
  if (!metadata || typeof metadata !== 'object') return [];
  return Object.entries(metadata as Record<string, unknown>)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([key, value]) => [key, value.toLowerCase()]);
}

/**
 * Each row belongs to one Stripe account (the `account` column): API requests run scoped to
 * theirs (`inAccount`), so finds, lists and searches never see another account's objects.
 * Admin knobs and timers run unscoped and reach any object by id (ids are globally unique);
 * what they create lands in the account of the objects it relates to.
 */
export class Store {
  private scope: string | null = null;

  constructor(
    readonly db: SandboxDatabase,
    /** The account of the sandbox's configured key; rows from before accounts existed are its. */
    readonly defaultAccount: string,
  ) {
    const hadMetadataIndex =
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'stripe_metadata'").get() !==
      undefined;
    db.exec(`
      CREATE TABLE IF NOT EXISTS stripe_objects (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        created INTEGER NOT NULL,
        customer TEXT,
        payment_intent TEXT,
        charge TEXT,
        lookup TEXT,
        deleted INTEGER NOT NULL DEFAULT 0,
        data TEXT NOT NULL,
        internal TEXT,
        account TEXT
      );
      CREATE INDEX IF NOT EXISTS stripe_objects_listing ON stripe_objects (type, created, seq);
      -- Filter and list order in one index: with (type, payment_intent) alone, SQLite walks every
      -- charge in list order to find one intent's (milliseconds each at 10,000 payments).
      DROP INDEX IF EXISTS stripe_objects_customer;
      DROP INDEX IF EXISTS stripe_objects_payment_intent;
      DROP INDEX IF EXISTS stripe_objects_charge;
      CREATE INDEX IF NOT EXISTS stripe_objects_by_customer ON stripe_objects (type, customer, created, seq);
      CREATE INDEX IF NOT EXISTS stripe_objects_by_payment_intent ON stripe_objects (type, payment_intent, created, seq);
      CREATE INDEX IF NOT EXISTS stripe_objects_by_charge ON stripe_objects (type, charge, created, seq);
      CREATE INDEX IF NOT EXISTS stripe_objects_lookup ON stripe_objects (type, lookup);
      CREATE TABLE IF NOT EXISTS stripe_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      -- The search index: metadata['key']:'value' finds its objects without parsing every one.
      CREATE TABLE IF NOT EXISTS stripe_metadata (
        object_id TEXT NOT NULL,
        type TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (object_id, key)
      );
      CREATE INDEX IF NOT EXISTS stripe_metadata_lookup ON stripe_metadata (type, key, value);
    `);
    const columns = db.prepare('PRAGMA table_info(stripe_objects)').all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'account')) db.exec('ALTER TABLE stripe_objects ADD COLUMN account TEXT');
    db.prepare('UPDATE stripe_objects SET account = ? WHERE account IS NULL').run(defaultAccount);
    db.exec('CREATE INDEX IF NOT EXISTS stripe_objects_by_account ON stripe_objects (account, type, created, seq)');
    // A database from before the index: fill it once from the stored objects.
    if (!hadMetadataIndex) {
      const rows = db.prepare('SELECT data FROM stripe_objects').all() as Array<{ data: string }>;
      for (const row of rows) this.indexMetadata(JSON.parse(row.data) as StripeObject);
    }
  }

  /** Runs `work` as one account (null: unscoped, as knobs and timers), then restores the scope. */
  inAccount<T>(account: string | null, work: () => T): T {
    const previous = this.scope;
    this.scope = account;
    try {
      return work();
    } finally {
      this.scope = previous;
    }
  }

  /** The account requests currently act for; null when unscoped. */
  get currentAccount(): string | null {
    return this.scope;
  }

  /** The SQL narrowing a query on `stripe_objects` to the current account (nothing when unscoped). */
  scopeCondition(tableAlias = ''): { sql: string; args: string[] } {
    return this.scope === null ? { sql: '1 = 1', args: [] } : { sql: `${tableAlias}account = ?`, args: [this.scope] };
  }

  /** Which account holds an object, whatever the scope. */
  accountOf(id: string): string | undefined {
    return (
      this.db.prepare('SELECT account FROM stripe_objects WHERE id = ?').get(id) as { account: string } | undefined
    )?.account;
  }

  /** The account a new or changed object belongs to: the scope's, else that of what it relates to. */
  accountFor(object: StripeObject): string {
    if (this.scope !== null) return this.scope;
    const data = (object as { data?: { object?: unknown } }).data;
    const source = (object as { source?: unknown }).source;
    const related = [object.id, object.customer, object.payment_intent, object.charge, source, data?.object].map(
      relatedId,
    );
    for (const id of related) {
      const account = id ? this.accountOf(id) : undefined;
      if (account) return account;
    }
    return this.defaultAccount;
  }

  private indexMetadata(object: StripeObject): void {
    this.db.prepare('DELETE FROM stripe_metadata WHERE object_id = ?').run(object.id);
    const insert = this.db.prepare('INSERT INTO stripe_metadata (object_id, type, key, value) VALUES (?, ?, ?, ?)');
    for (const [key, value] of metadataPairs(object)) insert.run(object.id, object.object, key, value);
  }

  /**
   * Live objects of one type whose string metadata `key` equals `value` (case-insensitive, as
   * search's `:` is), newest first: the same order as `all`.
   */
  withMetadata<T extends StripeObject>(type: T['object'], key: string, value: string): T[] {
    const rows = this.db
      .prepare(
        `SELECT o.data FROM stripe_metadata m JOIN stripe_objects o ON o.id = m.object_id
         WHERE m.type = ? AND m.key = ? AND m.value = ? AND o.type = ? AND o.deleted = 0 AND ${this.scopeCondition('o.').sql}
         ORDER BY o.created DESC, o.seq DESC`,
      )
      .all(type, key, value.toLowerCase(), type, ...this.scopeCondition('o.').args) as Array<{ data: string }>;
    return rows.map((row) => JSON.parse(row.data) as T);
  }

  insert<T extends StripeObject>(object: T, internal?: unknown): T {
    this.db
      .prepare(
        `INSERT INTO stripe_objects (id, type, created, customer, payment_intent, charge, lookup, data, internal, account)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        object.id,
        object.object,
        object.created,
        relatedId(object.customer),
        relatedId(object.payment_intent),
        relatedId(object.charge),
        lookupOf(object),
        JSON.stringify(object),
        internal === undefined ? null : JSON.stringify(internal),
        this.accountFor(object),
      );
    this.indexMetadata(object);
    return object;
  }

  /** Rewrites an object; `internal` left undefined keeps the stored one. */
  save<T extends StripeObject>(object: T, internal?: unknown): T {
    const result = this.db
      .prepare(
        `UPDATE stripe_objects SET customer = ?, payment_intent = ?, charge = ?, lookup = ?, data = ?,
         internal = COALESCE(?, internal) WHERE id = ?`,
      )
      .run(
        relatedId(object.customer),
        relatedId(object.payment_intent),
        relatedId(object.charge),
        lookupOf(object),
        JSON.stringify(object),
        internal === undefined ? null : JSON.stringify(internal),
        object.id,
      );
    if (result.changes !== 1) throw new Error(`save of unknown object ${object.id}`);
    this.indexMetadata(object);
    return object;
  }

  row(id: string): StoredRow | undefined {
    const scope = this.scopeCondition();
    return this.db
      .prepare(
        `SELECT seq, id, type, created, deleted, data, internal FROM stripe_objects WHERE id = ? AND ${scope.sql}`,
      )
      .get(id, ...scope.args) as StoredRow | undefined;
  }

  /** The live (not deleted) object of that type, or undefined. */
  find<T extends StripeObject>(type: T['object'], id: string): T | undefined {
    const row = this.row(id);
    if (!row || row.type !== type || row.deleted) return undefined;
    return JSON.parse(row.data) as T;
  }

  /** Any live object by id, whatever its type (expansion follows ids of any kind). */
  findById(id: string): StripeObject | undefined {
    const row = this.row(id);
    return row && !row.deleted ? (JSON.parse(row.data) as StripeObject) : undefined;
  }

  internal<T>(id: string): T | undefined {
    const row = this.row(id);
    return row?.internal ? (JSON.parse(row.internal) as T) : undefined;
  }

  isDeleted(id: string): boolean {
    return this.row(id)?.deleted === 1;
  }

  markDeleted(id: string): void {
    this.db.prepare('UPDATE stripe_objects SET deleted = 1 WHERE id = ?').run(id);
  }

  /** Objects of one type, newest first, optionally narrowed by an indexed column. */
  all<T extends StripeObject>(
    type: T['object'],
    where?: { column: 'customer' | 'payment_intent' | 'charge' | 'lookup'; value: string },
  ): T[] {
    const scope = this.scopeCondition();
    const rows = where
      ? (this.db
          .prepare(
            `SELECT data FROM stripe_objects WHERE type = ? AND deleted = 0 AND ${where.column} = ? AND ${scope.sql} ORDER BY created DESC, seq DESC`,
          )
          .all(type, where.value, ...scope.args) as Array<{ data: string }>)
      : (this.db
          .prepare(
            `SELECT data FROM stripe_objects WHERE type = ? AND deleted = 0 AND ${scope.sql} ORDER BY created DESC, seq DESC`,
          )
          .all(type, ...scope.args) as Array<{ data: string }>);
    return rows.map((row) => JSON.parse(row.data) as T);
  }

  getState(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM stripe_state WHERE key = ?').get(key) as { value: string } | undefined)
      ?.value;
  }

  setState(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO stripe_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  /** Forgets every object and the clock offset; `keep` names state keys that are configuration. */
  reset(keep: readonly string[] = []): void {
    this.db.exec('DELETE FROM stripe_objects');
    this.db.exec('DELETE FROM stripe_metadata');
    const placeholders = keep.map(() => '?').join(', ');
    if (keep.length > 0) this.db.prepare(`DELETE FROM stripe_state WHERE key NOT IN (${placeholders})`).run(...keep);
    else this.db.exec('DELETE FROM stripe_state');
  }
}
