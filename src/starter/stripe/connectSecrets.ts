import type { Database } from '../../store/database';
import { loadManagedSecret } from '../../store/managedSecrets';
import type { EncryptionKey } from '../../temporal/codec/encryptionCodec';
import { StripeWebhookSecrets } from './secrets';

/**
 * The secrets the platform's Connect endpoint (`/webhooks/stripe-connect`) is signed with:
 * STRIPE_CONNECT_WEBHOOK_SECRET (comma-separated while rotating), and a managed Connect endpoint's
 * secret if one is stored in the managed-secret store under CONNECT_ENDPOINT_SECRET_ID. The id
 * starts with `_`, which no connection id may (schema.ts), so it can never be a connection's.
 *
 * It is optional: without it (and without a stored one) every request to the Connect endpoint is
 * refused as `bad_signature`.
 */
export const CONNECT_ENDPOINT_SECRET_ID = '_stripe-connect';
export function connectWebhookSecrets(options: {
  configured: readonly string[];
  database?: Database;
  keys: EncryptionKey[];
  reloadIntervalMs?: number;
}): StripeWebhookSecrets {
  const { database, keys } = options;
  return new StripeWebhookSecrets({
    configured: options.configured,
    ...(database
      ? { load: async () => (await loadManagedSecret(database, keys, CONNECT_ENDPOINT_SECRET_ID))?.secret }
      : {}),
    ...(options.reloadIntervalMs !== undefined ? { reloadIntervalMs: options.reloadIntervalMs } : {}),
  });
}
