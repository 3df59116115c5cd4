import type { ConnectorConfig } from '../config';
import { SETTINGS } from '../config/settings';
import type { MatchSettings } from '../matching/matchRules';
import type { ConnectionStatus, StoredConnection } from '../store/connections';
import { connectionSettingsSchema } from './schema';

/**
 * A connection as the code that serves it needs it: every setting resolved (the connection's own,
 * else the process setting) and its credentials. Holds secrets: never log it, never return it from
 * an API, never put it in a workflow's input (publicView.ts makes the shareable form).
 */
export interface ResolvedConnection {
  id: string;
  /** `environment`: the connection the environment variables configure (`default`). */
  source: 'environment' | 'registry';
  status: Exclude<ConnectionStatus, 'removed'>;
  version: number;
  createdAt: string | undefined;
  updatedAt: string | undefined;
  monstock: {
    apiUrl: string;
    apiToken: string;
    webhookSecrets: string[];
    requestTimeoutMs: number;
    pollInterval: string;
  };
  stripe: {
    /** The connection's own key, or the platform key for a connected account. */
    secretKey: string;
    /** Set for a Stripe Connect account: calls carry it as `Stripe-Account`. */
    account: string | undefined;
    apiUrl: string | undefined;
  };
  matching: MatchSettings;
  customers: { pollInterval: string; concurrency: number };
  orders: ConnectorConfig['orders'];
  reconciliation: ConnectorConfig['reconciliation'];
  /** What the connection sets itself (the rest follows the process settings). */
  ownSettings: Record<string, unknown>;
}

export function environmentConnection(config: ConnectorConfig): ResolvedConnection {
  return {
    id: config.connectionId,
    source: 'environment',
    status: 'active',
    version: 0,
    createdAt: undefined,
    updatedAt: undefined,
    monstock: { ...config.monstock },
    stripe: { secretKey: config.stripe.secretKey, account: undefined, apiUrl: config.stripe.apiUrl },
    matching: config.matching,
    customers: config.customers,
    orders: config.orders,
    reconciliation: config.reconciliation,
    ownSettings: {},
  };
}

/** A stored connection over the process settings; throws on a row without secrets (a removed one). */
export function resolveStoredConnection(config: ConnectorConfig, stored: StoredConnection): ResolvedConnection {
  if (stored.status === 'removed' || !stored.secrets) throw new Error(`connection ${stored.id} is removed`);
  // Validated when written; parsed again so a row edited by hand cannot smuggle in a bad value.
  const own = connectionSettingsSchema.parse(stored.settings);
  return {
    id: stored.id,
    source: 'registry',
    status: stored.status,
    version: stored.version,
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
    monstock: {
      apiUrl: stored.monstockUrl,
      apiToken: stored.secrets.monstockToken,
      webhookSecrets: SETTINGS.MONSTOCK_WEBHOOK_SECRET.schema.parse(stored.secrets.monstockWebhookSecret),
      requestTimeoutMs: config.monstock.requestTimeoutMs,
      pollInterval: own.monstockPollInterval ?? config.monstock.pollInterval,
    },
    stripe: {
      secretKey: stored.secrets.stripeKey ?? config.stripe.secretKey,
      account: stored.stripeAccount,
      apiUrl: config.stripe.apiUrl,
    },
    matching: {
      rules:
        own.matchRules !== undefined
          ? SETTINGS.STRIPE_ORDER_MATCH_RULES.schema.parse(own.matchRules)
          : config.matching.rules,
      ignore:
        own.ignoreMetadata !== undefined
          ? SETTINGS.STRIPE_IGNORE_METADATA.schema.parse(own.ignoreMetadata)
          : config.matching.ignore,
    },
    customers: {
      pollInterval: own.customerSyncPollInterval ?? config.customers.pollInterval,
      concurrency: config.customers.concurrency,
    },
    orders: {
      idleWindow: config.orders.idleWindow,
      createPaymentIntents: own.createPaymentIntents ?? config.orders.createPaymentIntents,
      autoRefundCancelled: own.autoRefundCancelled ?? config.orders.autoRefundCancelled,
      capture: own.capture ?? config.orders.capture,
    },
    reconciliation: {
      at: own.reconciliationAt ?? config.reconciliation.at,
      timeZone: own.reconciliationTimeZone ?? config.reconciliation.timeZone,
      windowHours: own.reconciliationWindowHours ?? config.reconciliation.windowHours,
      stripeRateLimitPerSecond: config.reconciliation.stripeRateLimitPerSecond,
    },
    ownSettings: own,
  };
}
