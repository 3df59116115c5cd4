import type Stripe from 'stripe';
import type { ConnectorConfig } from '../../config';
import type { Logger } from '../../observability/logger';
import { registerSecrets } from '../../observability/logger';
import { STRIPE_API_VERSION } from '../../stripe/client';
import { HANDLED_STRIPE_EVENT_TYPES } from '../../events/stripeEventActions';
import type { Database } from '../../store/database';
import { loadManagedSecret, saveManagedSecret } from '../../store/managedSecrets';
import type { EncryptionKey } from '../../temporal/codec/encryptionCodec';

/**
 * The connector's own Stripe webhook endpoint, kept by `npm run setup`: one per connection, found
 * by its metadata, subscribed to exactly the event types the webhook handles, pinned to the API
 * version the code parses. Endpoints the connector did not create are never touched.
 */
export const MANAGED_BY = 'monstock-stripe';

export type ApiVersion = Stripe.WebhookEndpointCreateParams.ApiVersion;

export interface ManagedEndpointSpec {
  connectionId: string;
  url: string;
  apiVersion: ApiVersion;
  enabledEvents: readonly Stripe.WebhookEndpointCreateParams.EnabledEvent[];
  /** The platform's Connect endpoint: it receives the connected accounts' events (fixed at creation). */
  connect?: true;
}

export interface EndpointSetupResult {
  action: 'created' | 'replaced' | 'updated' | 'unchanged';
  endpointId: string;
  /** Older endpoints of this connection's that were removed (another API version, a lost secret, leftovers). */
  deleted: string[];
}

export function managedEndpointSpec(options: {
  publicUrl: string;
  connectionId: string;
  apiVersion?: ApiVersion;
}): ManagedEndpointSpec {
  const path = options.connectionId === 'default' ? '/webhooks/stripe' : `/webhooks/stripe/${options.connectionId}`;
  return {
    connectionId: options.connectionId,
    url: options.publicUrl.replace(/\/+$/, '') + path,
    apiVersion: options.apiVersion ?? STRIPE_API_VERSION,
    enabledEvents: HANDLED_STRIPE_EVENT_TYPES,
  };
}

export async function listManagedEndpoints(stripe: Stripe, connectionId: string): Promise<Stripe.WebhookEndpoint[]> {
  const mine: Stripe.WebhookEndpoint[] = [];
  for await (const endpoint of stripe.webhookEndpoints.list({ limit: 100 })) {
    if (endpoint.metadata?.managed_by === MANAGED_BY && endpoint.metadata.connection_id === connectionId)
      mine.push(endpoint);
  }
  return mine;
}

export function createManagedEndpoint(stripe: Stripe, spec: ManagedEndpointSpec): Promise<Stripe.WebhookEndpoint> {
  return stripe.webhookEndpoints.create({
    url: spec.url,
    api_version: spec.apiVersion,
    enabled_events: [...spec.enabledEvents],
    ...(spec.connect ? { connect: true } : {}),
    description: spec.connect
      ? 'monstock-stripe connector, Connect events of every connected account (managed by npm run setup)'
      : `monstock-stripe connector, connection ${spec.connectionId} (managed by npm run setup)`,
    metadata: { managed_by: MANAGED_BY, connection_id: spec.connectionId },
  });
}

/** The API version cannot change on an existing endpoint; everything else can. */
export function updateManagedEndpoint(
  stripe: Stripe,
  endpointId: string,
  spec: ManagedEndpointSpec,
): Promise<Stripe.WebhookEndpoint> {
  return stripe.webhookEndpoints.update(endpointId, { url: spec.url, enabled_events: [...spec.enabledEvents] });
}

export async function deleteManagedEndpoint(stripe: Stripe, endpointId: string): Promise<void> {
  await stripe.webhookEndpoints.del(endpointId);
}

/**
 * Idempotent: when Stripe already shows the wanted endpoint and its secret is stored, nothing is
 * written. The secret goes to the connector's database, encrypted with `encryptionKeys`, where
 * every replica's webhook server reads it.
 */
export async function ensureStripeWebhookEndpoint(options: {
  stripe: Stripe;
  spec: ManagedEndpointSpec;
  database: Database;
  encryptionKeys: EncryptionKey[];
  logger: Logger;
}): Promise<EndpointSetupResult> {
  const { stripe, spec, logger, database, encryptionKeys } = options;
  const stored = await loadManagedSecret(database, encryptionKeys, spec.connectionId);
  const managed = await listManagedEndpoints(stripe, spec.connectionId);
  // Kept only if its secret is stored: Stripe never shows a secret again, and without it no
  // delivery from that endpoint could be verified.
  const keeper = managed.find(
    (endpoint) => endpoint.id === stored?.endpointId && endpoint.api_version === spec.apiVersion,
  );

  let result: EndpointSetupResult;
  if (keeper) {
    const changed = keeper.url !== spec.url || !sameEvents(keeper.enabled_events, spec.enabledEvents);
    if (changed) await updateManagedEndpoint(stripe, keeper.id, spec);
    if (keeper.status !== 'enabled')
      logger.warn(
        'the managed Stripe webhook endpoint is disabled; enable it in the Stripe dashboard to receive events',
        { endpointId: keeper.id },
      );
    result = { action: changed ? 'updated' : 'unchanged', endpointId: keeper.id, deleted: [] };
  } else {
    const created = await createManagedEndpoint(stripe, spec);
    if (!created.secret) {
      await deleteManagedEndpoint(stripe, created.id);
      throw new Error(
        `Stripe returned no signing secret for the new webhook endpoint ${created.id}; it was deleted again`,
      );
    }
    registerSecrets(created.secret);
    // Written before the old endpoint goes, so some endpoint's deliveries always verify.
    await saveManagedSecret(database, encryptionKeys, spec.connectionId, {
      endpointId: created.id,
      secret: created.secret,
    });
    result = { action: managed.length > 0 ? 'replaced' : 'created', endpointId: created.id, deleted: [] };
  }
  for (const old of managed) {
    if (old.id === result.endpointId) continue;
    await deleteManagedEndpoint(stripe, old.id);
    result.deleted.push(old.id);
  }
  logger.info('stripe webhook endpoint ready', {
    ...result,
    url: spec.url,
    apiVersion: spec.apiVersion,
    events: spec.enabledEvents.length,
  });
  return result;
}

function sameEvents(current: readonly string[], wanted: readonly string[]): boolean {
  const have = new Set(current);
  return have.size === new Set(wanted).size && wanted.every((type) => have.has(type));
}

/** The setup step: PUBLIC_WEBHOOK_URL unset means the operator manages Stripe's endpoints by hand. */
export async function setupStripeWebhookEndpoint(options: {
  config: Pick<ConnectorConfig, 'connectionId' | 'webhookServer' | 'temporal'>;
  stripe: Stripe;
  database: Database;
  logger: Logger;
}): Promise<EndpointSetupResult | undefined> {
  const { config, logger } = options;
  if (!config.webhookServer.publicUrl) {
    logger.info(
      'PUBLIC_WEBHOOK_URL is not set: no Stripe webhook endpoint registered (point one at /webhooks/stripe and set STRIPE_WEBHOOK_SECRET, or set PUBLIC_WEBHOOK_URL)',
    );
    return undefined;
  }
  const spec = managedEndpointSpec({ publicUrl: config.webhookServer.publicUrl, connectionId: config.connectionId });
  return ensureStripeWebhookEndpoint({
    stripe: options.stripe,
    spec,
    database: options.database,
    encryptionKeys: config.temporal.encryptionKeys,
    logger,
  });
}
