import type { ConnectorConfig } from '../config';
import type { ResolvedConnection } from './resolve';

/**
 * A connection as the CLI and the admin API show it: everything an operator needs to wire it up,
 * no secret (no token, webhook secret or Stripe key; only whether the key is live or test).
 */
export interface ConnectionView {
  id: string;
  source: 'environment' | 'registry';
  status: 'active' | 'paused';
  monstockUrl: string;
  stripe: { kind: 'key'; livemode: boolean } | { kind: 'connect'; account: string };
  /** The settings the connection sets itself; every other one follows the process settings. */
  settings: Record<string, unknown>;
  /** Where Monstock and Stripe must send this connection's webhooks. */
  webhooks: { monstock: string; stripe: string };
  version: number;
  createdAt: string | undefined;
  updatedAt: string | undefined;
  /** Whether its order feed, customer sync and reconciliation schedule run (work.ts). */
  work: string;
}

/** PUBLIC_WEBHOOK_URL when set, else the webhook server's own address. */
export function webhookBase(config: Pick<ConnectorConfig, 'webhookServer'>): string {
  const { publicUrl, host, port } = config.webhookServer;
  return (publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
}

/**
 * The webhook server's routes (src/starter/http/server.ts): /webhooks/<source>/<connection>, the
 * environment's connection also at /webhooks/<source>. Connected accounts share the platform's
 * Connect endpoint, routed by the event's `account`.
 */
export function webhookUrls(
  config: Pick<ConnectorConfig, 'webhookServer'>,
  connection: Pick<ResolvedConnection, 'id' | 'stripe'>,
): ConnectionView['webhooks'] {
  const base = webhookBase(config);
  return {
    monstock: `${base}/webhooks/monstock/${connection.id}`,
    stripe: connection.stripe.account ? `${base}/webhooks/stripe-connect` : `${base}/webhooks/stripe/${connection.id}`,
  };
}

export function publicView(
  config: Pick<ConnectorConfig, 'webhookServer'>,
  connection: ResolvedConnection,
  work: string,
): ConnectionView {
  return {
    id: connection.id,
    source: connection.source,
    status: connection.status,
    monstockUrl: connection.monstock.apiUrl,
    stripe: connection.stripe.account
      ? { kind: 'connect', account: connection.stripe.account }
      : { kind: 'key', livemode: /^(sk|rk)_live_/.test(connection.stripe.secretKey) },
    settings: connection.ownSettings,
    webhooks: webhookUrls(config, connection),
    version: connection.version,
    createdAt: connection.createdAt,
    updatedAt: connection.updatedAt,
    work,
  };
}
