import type Stripe from 'stripe';
import type { ConnectorConfig } from '../../config';
import type { ConnectionRegistry } from '../../connections/registry';
import type { ResolvedConnection } from '../../connections/resolve';
import { OrderMatcher } from '../../matching/orderMatcher';
import { MonstockClient } from '../../monstock/client';
import { CONNECTOR_CHANGE_SOURCE } from '../../monstock/changeSource';
import type { Database } from '../../store/database';
import { loadManagedSecret } from '../../store/managedSecrets';
import { connectionStripeClient } from '../stripe/connectionStripeClient';
import { isLiveStripeKey } from '../stripe/route';
import { StripeWebhookSecrets } from '../stripe/secrets';

/**
 * What the webhook routes need of each connection, built from the registry on first use and kept
 * per connection until its version changes (an update, a pause or resume): its signing secrets, and
 * the Stripe and Monstock clients its order matcher reads with. One connection's parts never
 * serve another's events: every lookup is by the id the path (or `event.account`) names.
 *
 * Stripe secrets: the environment's connection takes STRIPE_WEBHOOK_SECRET and the managed
 * endpoint `npm run setup` stored under its id, as before; a registered connection takes only the
 * managed endpoint stored under its own id (registered by `connections add` with its key), so the
 * environment's secret can never verify a registered connection's events, nor the reverse.
 */
export interface StripeConnectionParts {
  matcher: OrderMatcher;
  /** The connection's key is live: it takes live events only. */
  liveKey: boolean;
  secrets: StripeWebhookSecrets;
}

export interface WebhookConnectionsOptions {
  registry: ConnectionRegistry;
  config: Pick<ConnectorConfig, 'connectionId' | 'stripe' | 'temporal'>;
  /** Where the managed endpoints' secrets are stored; unset: configured secrets only. */
  database?: Database;
  secretReloadIntervalMs?: number;
  /** How the routes reach Stripe for a connection (tests may point elsewhere); default: its key, short timeouts. */
  stripeFor?: (connection: ResolvedConnection) => Stripe;
}

interface Served {
  version: number;
  stripe: StripeConnectionParts;
  monstock: MonstockClient;
}

export class WebhookConnections {
  private readonly served = new Map<string, Served>();

  constructor(private readonly options: WebhookConnectionsOptions) {}

  /** For the HTTP shell: served now, paused (503), or unknown (404). */
  readonly state = async (connectionId: string): Promise<'active' | 'paused' | undefined> =>
    (await this.options.registry.getConnection(connectionId))?.status;

  /** The Monstock webhook secrets of that connection; undefined when there is no such connection. */
  readonly monstockWebhookSecrets = async (connectionId: string): Promise<readonly string[] | undefined> =>
    (await this.options.registry.getConnection(connectionId))?.monstock.webhookSecrets;

  /** The Stripe side of that connection; undefined when there is no such connection. */
  readonly stripe = async (connectionId: string): Promise<StripeConnectionParts | undefined> => {
    const connection = await this.options.registry.getConnection(connectionId);
    return connection ? this.servedFor(connection).stripe : undefined;
  };

  /** The registered connection whose Stripe Connect account this is (the environment's is never one). */
  readonly byStripeAccount = async (account: string): Promise<ResolvedConnection | undefined> =>
    (await this.options.registry.listConnections()).find((connection) => connection.stripe.account === account);

  /** Closes the Monstock clients' connection pools (at shutdown). */
  async close(): Promise<void> {
    const all = [...this.served.values()];
    this.served.clear();
    await Promise.allSettled(all.map((served) => served.monstock.close()));
  }

  private servedFor(connection: ResolvedConnection): Served {
    const existing = this.served.get(connection.id);
    if (existing && existing.version === connection.version) return existing;
    if (existing) void existing.monstock.close();
    const monstock = new MonstockClient({
      apiUrl: connection.monstock.apiUrl,
      apiToken: connection.monstock.apiToken,
      requestTimeoutMs: connection.monstock.requestTimeoutMs,
      changeSource: CONNECTOR_CHANGE_SOURCE,
    });
    const stripe = (this.options.stripeFor ?? defaultStripeFor)(connection);
    const served: Served = {
      version: connection.version,
      monstock,
      stripe: {
        matcher: new OrderMatcher({ stripe, monstock, settings: connection.matching }),
        liveKey: isLiveStripeKey(connection.stripe.secretKey),
        secrets: this.stripeSecrets(connection),
      },
    };
    this.served.set(connection.id, served);
    return served;
  }

  private stripeSecrets(connection: ResolvedConnection): StripeWebhookSecrets {
    const { database, config, secretReloadIntervalMs } = this.options;
    const keys = config.temporal.encryptionKeys;
    return new StripeWebhookSecrets({
      configured: connection.source === 'environment' ? config.stripe.webhookSecrets : [],
      ...(database ? { load: async () => (await loadManagedSecret(database, keys, connection.id))?.secret } : {}),
      ...(secretReloadIntervalMs !== undefined ? { reloadIntervalMs: secretReloadIntervalMs } : {}),
    });
  }
}

/** Short timeouts: a webhook must be answered within seconds; a slow read answers 503 and Stripe retries. */
function defaultStripeFor(connection: ResolvedConnection): Stripe {
  return connectionStripeClient(connection, { maxNetworkRetries: 1, timeoutMs: 5_000 });
}
