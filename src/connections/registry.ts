import type { ConnectorConfig } from '../config';
import { registerSecrets } from '../observability/logger';
import type { Database } from '../store/database';
import { readLiveConnections, type StoredConnection } from '../store/connections';
import { environmentConnection, resolveStoredConnection, type ResolvedConnection } from './resolve';

/**
 * Which connections this deployment serves, read from the database and cached in the process.
 *
 * `default` is the connection the environment variables configure (CONNECTION_ID, MONSTOCK_*,
 * STRIPE_*), exactly as before the registry existed; it is never stored, and the registry refuses
 * to add a connection under its id (schema.ts), so there is one source of truth for each id.
 *
 * The cache is re-read when older than `maxAgeMs` (default 5 s), and at once after `refresh()`:
 * a connection added, changed or paused from another process is seen within that time, with no
 * restart and no notification channel to keep alive.
 */
export interface ConnectionRegistryOptions {
  database: Database;
  config: ConnectorConfig;
  maxAgeMs?: number;
  now?: () => number;
}

interface Snapshot {
  loadedAt: number;
  byId: Map<string, ResolvedConnection>;
  /** Id → why its secrets could not be opened here. */
  unreadable: Map<string, string>;
}

export class ConnectionRegistry {
  private snapshot: Snapshot | undefined;
  private loading: Promise<Snapshot> | undefined;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(private readonly options: ConnectionRegistryOptions) {
    this.maxAgeMs = options.maxAgeMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  /** The connection, resolved; undefined when no such connection exists (or it was removed). */
  async getConnection(id: string): Promise<ResolvedConnection | undefined> {
    if (id === this.options.config.connectionId) return environmentConnection(this.options.config);
    return (await this.current()).byId.get(id);
  }

  /** The environment's connection first, then the registered ones by id. */
  async listConnections(): Promise<ResolvedConnection[]> {
    const registered = [...(await this.current()).byId.values()];
    return [environmentConnection(this.options.config), ...registered];
  }

  /**
   * Registered connections whose secrets this process cannot open (a key missing from
   * PAYLOAD_ENCRYPTION_KEYS): they exist, so their work must not be stopped, but they are not served.
   */
  async unreadableConnections(): Promise<ReadonlyMap<string, string>> {
    return (await this.current()).unreadable;
  }

  /** Reads the database now (after a change this process made, or when told another did). */
  async refresh(): Promise<void> {
    this.snapshot = undefined;
    await this.current();
  }

  private async current(): Promise<Snapshot> {
    if (this.snapshot && this.now() - this.snapshot.loadedAt < this.maxAgeMs) return this.snapshot;
    // One read at a time: callers arriving meanwhile share it.
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    this.snapshot = await this.loading;
    return this.snapshot;
  }

  private async load(): Promise<Snapshot> {
    const loadedAt = this.now();
    const rows = await readLiveConnections(this.options.database, this.options.config.temporal.encryptionKeys);
    const byId = new Map<string, ResolvedConnection>();
    const unreadable = new Map<string, string>();
    for (const row of rows) {
      // A stored id equal to the environment's would be shadowed by it; the environment wins.
      if (row.id === this.options.config.connectionId) continue;
      if (row.unreadable !== undefined) {
        unreadable.set(row.id, row.unreadable);
        continue;
      }
      registerStoredSecrets(row);
      byId.set(row.id, resolveStoredConnection(this.options.config, row));
    }
    return { loadedAt, byId, unreadable };
  }
}

/** Every secret a process has read is redacted wherever it would appear in a log line. */
export function registerStoredSecrets(row: StoredConnection): void {
  if (!row.secrets) return;
  registerSecrets(
    row.secrets.monstockToken,
    row.secrets.stripeKey,
    ...row.secrets.monstockWebhookSecret.split(',').map((part) => part.trim()),
  );
}
