import type Stripe from 'stripe';
import type { Logger } from '../../observability/logger';
import type { Database } from '../../store/database';
import type { EncryptionKey } from '../../temporal/codec/encryptionCodec';
import { CONNECT_ENDPOINT_SECRET_ID } from './connectSecrets';
import { ensureStripeWebhookEndpoint, managedEndpointSpec, type EndpointSetupResult } from './webhookEndpoint';

/** The platform's one Connect endpoint: every connected account's events, routed by `event.account`. */
export const CONNECT_WEBHOOK_PATH = '/webhooks/stripe-connect';

/**
 * The managed Connect endpoint's spec: kept under the platform key like a connection's endpoint,
 * found by its metadata id `_stripe-connect` (which no connection id can be), its secret stored
 * under that id where every replica's webhook server reads it (connectWebhookSecrets).
 */
export function managedConnectEndpointSpec(publicUrl: string) {
  const spec = managedEndpointSpec({ publicUrl, connectionId: CONNECT_ENDPOINT_SECRET_ID });
  return { ...spec, url: publicUrl.replace(/\/+$/, '') + CONNECT_WEBHOOK_PATH, connect: true as const };
}

/** Idempotent, as ensureStripeWebhookEndpoint: a second call with nothing changed writes nothing. */
export function ensureConnectWebhookEndpoint(options: {
  platformStripe: Stripe;
  publicUrl: string;
  database: Database;
  encryptionKeys: EncryptionKey[];
  logger: Logger;
}): Promise<EndpointSetupResult> {
  return ensureStripeWebhookEndpoint({
    stripe: options.platformStripe,
    spec: managedConnectEndpointSpec(options.publicUrl),
    database: options.database,
    encryptionKeys: options.encryptionKeys,
    logger: options.logger,
  });
}
