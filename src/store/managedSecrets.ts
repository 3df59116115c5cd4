import { ENCRYPTED_ENCODING, EncryptionCodec, type EncryptionKey } from '../temporal/codec/encryptionCodec';
import type { Database } from './database';

/**
 * The managed Stripe webhook endpoint's signing secret, which Stripe shows only once: `npm run
 * setup` stores it here and every replica's webhook server reads it. It is encrypted with the
 * payload encryption keys (PAYLOAD_ENCRYPTION_KEYS) by the same codec as Temporal payloads: the
 * first key encrypts, any configured key decrypts, and the key id is stored with the ciphertext,
 * so rotating keys keeps the stored secret readable.
 */
export interface ManagedSecret {
  endpointId?: string;
  secret: string;
}

const KEY_ID_METADATA = 'encryption-key-id';

export async function saveManagedSecret(
  db: Database,
  keys: EncryptionKey[],
  connectionId: string,
  value: Required<ManagedSecret>,
): Promise<void> {
  const [encrypted] = await new EncryptionCodec(keys).encode([{ metadata: {}, data: Buffer.from(value.secret) }]);
  const keyId = Buffer.from(encrypted!.metadata![KEY_ID_METADATA]!).toString();
  await db.query(
    `INSERT INTO managed_webhook_secrets (connection_id, endpoint_id, key_id, ciphertext) VALUES ($1, $2, $3, $4)
     ON CONFLICT (connection_id) DO UPDATE SET endpoint_id = EXCLUDED.endpoint_id, key_id = EXCLUDED.key_id,
       ciphertext = EXCLUDED.ciphertext, updated_at = clock_timestamp()`,
    [connectionId, value.endpointId, keyId, Buffer.from(encrypted!.data!)],
  );
}

/** undefined when setup never stored one for this connection; throws when no configured key opens it. */
export async function loadManagedSecret(
  db: Database,
  keys: EncryptionKey[],
  connectionId: string,
): Promise<ManagedSecret | undefined> {
  const { rows } = await db.query<{ endpoint_id: string; key_id: string; ciphertext: Buffer }>(
    'SELECT endpoint_id, key_id, ciphertext FROM managed_webhook_secrets WHERE connection_id = $1',
    [connectionId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const [plain] = await new EncryptionCodec(keys).decode([
    {
      metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(row.key_id) },
      data: row.ciphertext,
    },
  ]);
  return { endpointId: row.endpoint_id, secret: Buffer.from(plain!.data ?? []).toString() };
}

/** Forgets the stored secret (setup's endpoint is gone, or a test starts clean). */
export async function deleteManagedSecret(db: Database, connectionId: string): Promise<void> {
  await db.query('DELETE FROM managed_webhook_secrets WHERE connection_id = $1', [connectionId]);
}
