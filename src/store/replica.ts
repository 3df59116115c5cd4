import os from 'node:os';

/**
 * This process's name among the replicas sharing the database: its host and process id, unique
 * while it runs. A replica that restarts writes a new row; the old row keeps its totals, which
 * still happened (webhook health sums them).
 */
export function replicaId(): string {
  return `${os.hostname()}:${process.pid}`;
}
