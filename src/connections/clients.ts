import { ApplicationFailure } from '@temporalio/common';
import type Stripe from 'stripe';
import type { OrderSettings, ReconciliationSettings } from '../activities';
import { OrderMatcher } from '../matching/orderMatcher';
import { MonstockClient } from '../monstock/client';
import { CONNECTOR_CHANGE_SOURCE } from '../monstock/changeSource';
import type { Logger } from '../observability/logger';
import type { Database } from '../store/database';
import { stripeBudgetLimiter } from '../store/stripeBudget';
import { createStripeClient } from '../stripe/client';
import type { ConnectionRegistry } from './registry';
import type { ResolvedConnection } from './resolve';

/**
 * The clients one connection's activities work with, built from its registry entry: its own
 * Monstock tenant, its own Stripe account (its key, or the platform key acting as its connected
 * account), and the settings it resolves to. Nothing here is shared between connections, so an
 * activity for one connection cannot reach another's data: isolation by construction.
 */
export interface ConnectionClients {
  connectionId: string;
  /** The registry version these were built from; a change builds new ones. */
  version: number;
  monstock: MonstockClient;
  stripe: Stripe;
  matcher: OrderMatcher;
  orderSettings: OrderSettings;
  reconciliation: ReconciliationSettings;
}

export interface ConnectionClientsOptions {
  registry: ConnectionRegistry;
  /** Where the Stripe budgets are shared (and reports written). */
  database: Database;
  /** The environment's connection: activities of workflows started before connection ids reached them. */
  fallbackConnectionId: string;
  logger?: Logger;
  /** How long a replaced connection's Monstock pool stays open for calls still using it. */
  closeReplacedAfterMs?: number;
}

interface Entry {
  version: number;
  source: ResolvedConnection['source'];
  clients: ConnectionClients;
}

/**
 * `clientsFor(connectionId)`, cached per connection and rebuilt when its registry version changes
 * (the registry itself re-reads the database every few seconds), so an updated key or token is
 * used within that time without a restart.
 */
export class ConnectionClientsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly building = new Map<string, Promise<ConnectionClients>>();

  constructor(private readonly options: ConnectionClientsOptions) {}

  /** The connection's clients; an unknown (or removed) connection fails the activity for good. */
  async clientsFor(connectionId: string | undefined): Promise<ConnectionClients> {
    const id = connectionId ?? this.options.fallbackConnectionId;
    let connection = await this.options.registry.getConnection(id);
    // Added a moment ago by another process: this process's cached registry may not know it yet.
    if (!connection) {
      await this.options.registry.refresh();
      connection = await this.options.registry.getConnection(id);
    }
    if (!connection)
      throw ApplicationFailure.nonRetryable(`no connection ${id}: it was removed or never added`, 'UnknownConnection');
    const entry = this.entries.get(id);
    if (entry && entry.version === connection.version && entry.source === connection.source) return entry.clients;
    const pending = this.building.get(id);
    if (pending) return pending;
    const resolved = connection;
    const build = Promise.resolve()
      .then(() => this.build(resolved))
      .finally(() => this.building.delete(id));
    this.building.set(id, build);
    return build;
  }

  /** Closes every connection's Monstock pool (the worker's shutdown). */
  async close(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((entry) => entry.clients.monstock.close()));
  }

  private build(connection: ResolvedConnection): ConnectionClients {
    const previous = this.entries.get(connection.id);
    const clients = buildConnectionClients(connection, this.options.database, this.options.logger);
    this.entries.set(connection.id, { version: connection.version, source: connection.source, clients });
    if (previous) {
      // Calls in flight still hold the old pool: it closes once they have had time to finish.
      const timer = setTimeout(() => {
        void previous.clients.monstock.close().catch(() => undefined);
      }, this.options.closeReplacedAfterMs ?? 60_000);
      timer.unref();
      this.options.logger?.info('connection clients rebuilt', {
        connectionId: connection.id,
        version: connection.version,
      });
    }
    return clients;
  }
}

/**
 * One connection's clients. Its Stripe client waits on the budget of its Stripe account scope,
 * shared by every worker in the database: the key's, or (a connected account) the key's and the
 * account's together, so one merchant's traffic never spends another's budget.
 */
export function buildConnectionClients(
  connection: ResolvedConnection,
  database: Database,
  logger?: Logger,
): ConnectionClients {
  const monstock = new MonstockClient({
    apiUrl: connection.monstock.apiUrl,
    apiToken: connection.monstock.apiToken,
    requestTimeoutMs: connection.monstock.requestTimeoutMs,
    changeSource: CONNECTOR_CHANGE_SOURCE,
  });
  const ratePerSecond = connection.reconciliation.stripeRateLimitPerSecond;
  const rateLimiter = stripeBudgetLimiter({
    database,
    secretKey: connection.stripe.secretKey,
    stripeAccount: connection.stripe.account,
    ratePerSecond,
    ...(logger ? { logger: logger.child({ connectionId: connection.id }) } : {}),
  });
  const stripe = createStripeClient({
    secretKey: connection.stripe.secretKey,
    apiUrl: connection.stripe.apiUrl,
    stripeAccount: connection.stripe.account,
    rateLimiter,
  });
  const matcher = new OrderMatcher({ stripe, monstock, settings: connection.matching });
  return {
    connectionId: connection.id,
    version: connection.version,
    monstock,
    stripe,
    matcher,
    orderSettings: {
      createPaymentIntents: connection.orders.createPaymentIntents,
      autoRefundCancelled: connection.orders.autoRefundCancelled,
      capture: connection.orders.capture,
    },
    // The order path's client is already behind the account's budget: reconciliation reads through it too.
    reconciliation: { database, stripeRateLimitPerSecond: ratePerSecond, stripe, matcher },
  };
}
