import type { Database } from './database';

/**
 * Webhook health shared by replicas: each replica upserts its own row per source (its totals
 * and the times it saw a success or failure); the health page sums every replica's rows, so all
 * replicas serve the same page.
 */
export interface ReplicaHealthRow {
  source: string;
  succeeded: number;
  rejected: number;
  unavailable: number;
  failed: number;
  lastSuccessAt?: string;
  lastFailureAt?: string;
}

export async function saveReplicaHealth(
  db: Database,
  connectionId: string,
  replicaId: string,
  rows: readonly ReplicaHealthRow[],
): Promise<void> {
  for (const row of rows) {
    await db.query(
      `INSERT INTO webhook_health (connection_id, replica_id, source, succeeded, rejected, unavailable, failed,
         last_success_at, last_failure_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (connection_id, replica_id, source) DO UPDATE SET
         succeeded = EXCLUDED.succeeded, rejected = EXCLUDED.rejected, unavailable = EXCLUDED.unavailable,
         failed = EXCLUDED.failed,
         last_success_at = COALESCE(EXCLUDED.last_success_at, webhook_health.last_success_at),
         last_failure_at = COALESCE(EXCLUDED.last_failure_at, webhook_health.last_failure_at),
         updated_at = clock_timestamp()`,
      [
        connectionId,
        replicaId,
        row.source,
        row.succeeded,
        row.rejected,
        row.unavailable,
        row.failed,
        row.lastSuccessAt ?? null,
        row.lastFailureAt ?? null,
      ],
    );
  }
}

/** Every replica's rows summed per source: totals added up, the latest times kept. */
export async function loadHealthTotals(db: Database, connectionId: string): Promise<ReplicaHealthRow[]> {
  const { rows } = await db.query<{
    source: string;
    succeeded: string;
    rejected: string;
    unavailable: string;
    failed: string;
    last_success_at: Date | null;
    last_failure_at: Date | null;
  }>(
    `SELECT source, sum(succeeded) AS succeeded, sum(rejected) AS rejected, sum(unavailable) AS unavailable,
       sum(failed) AS failed, max(last_success_at) AS last_success_at, max(last_failure_at) AS last_failure_at
     FROM webhook_health WHERE connection_id = $1 GROUP BY source ORDER BY source`,
    [connectionId],
  );
  return rows.map((row) => ({
    source: row.source,
    succeeded: Number(row.succeeded),
    rejected: Number(row.rejected),
    unavailable: Number(row.unavailable),
    failed: Number(row.failed),
    ...(row.last_success_at ? { lastSuccessAt: row.last_success_at.toISOString() } : {}),
    ...(row.last_failure_at ? { lastFailureAt: row.last_failure_at.toISOString() } : {}),
  }));
}
