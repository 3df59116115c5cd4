import type pg from 'pg';

/**
 * The schema, as an ordered list of versioned migrations: append, never edit one that shipped.
 * `migrate` applies the missing ones at start, in one transaction holding an advisory lock, so
 * replicas starting together wait for each other and every migration is applied exactly once.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'reports, managed webhook secrets, webhook health',
    sql: `
      CREATE TABLE reconciliation_reports (
        report_id text PRIMARY KEY,
        connection_id text NOT NULL,
        finished_at timestamptz NOT NULL,
        written_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        -- The report without its findings (what the chart reads), and the findings apart.
        summary jsonb NOT NULL,
        findings jsonb NOT NULL
      );
      CREATE INDEX reconciliation_reports_newest ON reconciliation_reports (written_at DESC, report_id DESC);
      CREATE INDEX reconciliation_reports_connection ON reconciliation_reports (connection_id, written_at DESC);

      -- A run's findings per page, rewritten whole when a page is read again; dropped once the report is written.
      CREATE TABLE reconciliation_parts (
        report_id text NOT NULL,
        phase text NOT NULL CHECK (phase IN ('stripe', 'monstock')),
        seq integer NOT NULL,
        findings jsonb NOT NULL,
        PRIMARY KEY (report_id, phase, seq)
      );
      -- The payment intents each Stripe page compared, so the Monstock walk skips them.
      CREATE TABLE reconciliation_seen_intents (
        report_id text NOT NULL,
        seq integer NOT NULL,
        intent_ids text[] NOT NULL,
        PRIMARY KEY (report_id, seq)
      );

      -- Encrypted with PAYLOAD_ENCRYPTION_KEYS; key_id names the key, so rotation keeps it readable.
      CREATE TABLE managed_webhook_secrets (
        connection_id text PRIMARY KEY,
        endpoint_id text NOT NULL,
        key_id text NOT NULL,
        ciphertext bytea NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );

      -- One row per replica and source: the health page sums the rows.
      CREATE TABLE webhook_health (
        connection_id text NOT NULL,
        replica_id text NOT NULL,
        source text NOT NULL,
        succeeded bigint NOT NULL DEFAULT 0,
        rejected bigint NOT NULL DEFAULT 0,
        unavailable bigint NOT NULL DEFAULT 0,
        failed bigint NOT NULL DEFAULT 0,
        last_success_at timestamptz,
        last_failure_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (connection_id, replica_id, source)
      );
    `,
  },
  {
    version: 2,
    name: 'stripe rate budget shared by every worker of an account',
    sql: `
      -- One row per Stripe account (scope: a short hash of its key, never the key): the end of the
      -- account's request schedule. Workers reserve slots after it (src/store/stripeBudget.ts), so
      -- the table never grows beyond one row per key in use.
      CREATE TABLE stripe_rate_budget (
        scope text PRIMARY KEY,
        next_slot timestamptz NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'connection registry',
    sql: `
      -- One row per merchant connection added at runtime (src/store/connections.ts); the connection
      -- configured by environment variables ("default") is not stored. Removed rows stay, without
      -- secrets, so ids in old workflow histories still name something.
      CREATE TABLE connections (
        id text PRIMARY KEY,
        monstock_api_url text NOT NULL,
        -- A Stripe Connect account under the platform key; NULL when the secrets hold a Stripe key.
        stripe_account_id text,
        settings jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL CHECK (status IN ('active', 'paused', 'removed')),
        -- Monstock token, Monstock webhook secret, Stripe key: one JSON document encrypted with
        -- PAYLOAD_ENCRYPTION_KEYS; key_id names the key, so rotation keeps it readable.
        secrets_key_id text,
        secrets_ciphertext bytea,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        removed_at timestamptz,
        CHECK (status = 'removed' OR (secrets_key_id IS NOT NULL AND secrets_ciphertext IS NOT NULL))
      );
    `,
  },
  {
    version: 4,
    name: 'processes sharing a stripe rate budget',
    sql: `
      -- Which processes (workers, webhook replicas) spent a Stripe account's budget lately: each
      -- reservation marks its own row (src/store/stripeBudget.ts), so while the database cannot be
      -- reached a process limits itself to its share of the rate, not all of it. Rows of processes
      -- gone for an hour are deleted by the same reservations.
      CREATE TABLE stripe_budget_clients (
        scope text NOT NULL,
        client_id text NOT NULL,
        last_seen timestamptz NOT NULL,
        PRIMARY KEY (scope, client_id)
      );
    `,
  },
];

/** Any constant unique to this application: the advisory lock replicas take while migrating. */
const MIGRATION_LOCK = 727_384_213;

/** Applies the migrations `pool`'s database lacks; returns the versions this call applied. */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
       )`,
    );
    const done = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(done.rows.map((row) => row.version));
    const now: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      now.push(migration.version);
    }
    await client.query('COMMIT');
    return now;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
