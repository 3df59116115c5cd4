import { ENCRYPTED_ENCODING, EncryptionCodec, type EncryptionKey } from '../temporal/codec/encryptionCodec';
import type { Database } from './database';

/**
 * The connection registry's rows. A connection's secrets (Monstock token and webhook secret, its
 * Stripe key when it has one) are one JSON document encrypted with the payload encryption keys,
 * as the managed webhook secret is: the first key encrypts, any configured key decrypts, and the
 * key id is stored beside the ciphertext so rotation keeps rows readable. Nothing else in a row is
 * secret. A removed connection keeps its row (ids in old workflow histories still name something)
 * but loses its secrets.
 */
export type ConnectionStatus = 'active' | 'paused' | 'removed';

export interface ConnectionSecrets {
  monstockToken: string;
  monstockWebhookSecret: string;
  /** Unset for a Stripe Connect account, which works under the platform key. */
  stripeKey?: string;
}

export interface StoredConnection {
  id: string;
  monstockUrl: string;
  stripeAccount: string | undefined;
  /** As the operator wrote them; resolved against the process settings by the registry. */
  settings: Record<string, unknown>;
  status: ConnectionStatus;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Undefined once removed, or when they cannot be opened (see `unreadable`). */
  secrets: ConnectionSecrets | undefined;
  /**
   * Why its secrets could not be opened (encrypted with a key this process lacks, corrupted): the
   * connection exists but this process cannot serve it. Never a reason to stop its work.
   */
  unreadable?: string;
}

export interface ConnectionRowInput {
  id: string;
  monstockUrl: string;
  stripeAccount: string | undefined;
  settings: Record<string, unknown>;
  secrets: ConnectionSecrets;
}

interface Row {
  id: string;
  monstock_api_url: string;
  stripe_account_id: string | null;
  settings: Record<string, unknown>;
  status: ConnectionStatus;
  version: number;
  created_at: Date;
  updated_at: Date;
  secrets_key_id: string | null;
  secrets_ciphertext: Buffer | null;
}

const KEY_ID_METADATA = 'encryption-key-id';
const COLUMNS =
  'id, monstock_api_url, stripe_account_id, settings, status, version, created_at, updated_at, secrets_key_id, secrets_ciphertext';

async function seal(keys: EncryptionKey[], secrets: ConnectionSecrets): Promise<{ keyId: string; ciphertext: Buffer }> {
  const [encrypted] = await new EncryptionCodec(keys).encode([
    { metadata: {}, data: Buffer.from(JSON.stringify(secrets)) },
  ]);
  return {
    keyId: Buffer.from(encrypted!.metadata![KEY_ID_METADATA]!).toString(),
    ciphertext: Buffer.from(encrypted!.data!),
  };
}

async function open(keys: EncryptionKey[], keyId: string, ciphertext: Buffer): Promise<ConnectionSecrets> {
  const [plain] = await new EncryptionCodec(keys).decode([
    {
      metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(keyId) },
      data: ciphertext,
    },
  ]);
  return JSON.parse(Buffer.from(plain!.data ?? []).toString()) as ConnectionSecrets;
}

async function fromRow(keys: EncryptionKey[], row: Row): Promise<StoredConnection> {
  return {
    id: row.id,
    monstockUrl: row.monstock_api_url,
    stripeAccount: row.stripe_account_id ?? undefined,
    settings: row.settings,
    status: row.status,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    ...(await openRowSecrets(keys, row)),
  };
}

async function openRowSecrets(
  keys: EncryptionKey[],
  row: Row,
): Promise<{ secrets: ConnectionSecrets | undefined; unreadable?: string }> {
  if (!row.secrets_key_id || !row.secrets_ciphertext) return { secrets: undefined };
  try {
    return { secrets: await open(keys, row.secrets_key_id, row.secrets_ciphertext) };
  } catch (error) {
    return { secrets: undefined, unreadable: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Adds a connection; a removed one of the same id is brought back (its history stays). undefined
 * when a connection with this id exists and is not removed.
 */
export async function insertConnection(
  db: Database,
  keys: EncryptionKey[],
  input: ConnectionRowInput,
): Promise<StoredConnection | undefined> {
  const sealed = await seal(keys, input.secrets);
  const { rows } = await db.query<Row>(
    `INSERT INTO connections (id, monstock_api_url, stripe_account_id, settings, status, secrets_key_id, secrets_ciphertext)
     VALUES ($1, $2, $3, $4, 'active', $5, $6)
     ON CONFLICT (id) DO UPDATE SET monstock_api_url = EXCLUDED.monstock_api_url,
       stripe_account_id = EXCLUDED.stripe_account_id, settings = EXCLUDED.settings, status = 'active',
       secrets_key_id = EXCLUDED.secrets_key_id, secrets_ciphertext = EXCLUDED.secrets_ciphertext,
       version = connections.version + 1, updated_at = clock_timestamp(), removed_at = NULL
     WHERE connections.status = 'removed'
     RETURNING ${COLUMNS}`,
    [input.id, input.monstockUrl, input.stripeAccount ?? null, input.settings, sealed.keyId, sealed.ciphertext],
  );
  return rows[0] ? fromRow(keys, rows[0]) : undefined;
}

/**
 * Rewrites a live connection only if nobody changed it since `expectedVersion` was read (two
 * operators at once: the second gets undefined and reads again rather than undo the first).
 */
export async function replaceConnection(
  db: Database,
  keys: EncryptionKey[],
  input: ConnectionRowInput,
  expectedVersion: number,
): Promise<StoredConnection | undefined> {
  const sealed = await seal(keys, input.secrets);
  const { rows } = await db.query<Row>(
    `UPDATE connections SET monstock_api_url = $2, stripe_account_id = $3, settings = $4, secrets_key_id = $5,
       secrets_ciphertext = $6, version = version + 1, updated_at = clock_timestamp()
     WHERE id = $1 AND version = $7 AND status <> 'removed'
     RETURNING ${COLUMNS}`,
    [
      input.id,
      input.monstockUrl,
      input.stripeAccount ?? null,
      input.settings,
      sealed.keyId,
      sealed.ciphertext,
      expectedVersion,
    ],
  );
  return rows[0] ? fromRow(keys, rows[0]) : undefined;
}

/** Pauses or resumes a live connection; undefined when there is none with this id. */
export async function setConnectionStatus(
  db: Database,
  keys: EncryptionKey[],
  id: string,
  status: 'active' | 'paused',
): Promise<StoredConnection | undefined> {
  const { rows } = await db.query<Row>(
    `UPDATE connections SET status = $2,
       version = CASE WHEN status = $2 THEN version ELSE version + 1 END,
       updated_at = CASE WHEN status = $2 THEN updated_at ELSE clock_timestamp() END
     WHERE id = $1 AND status <> 'removed'
     RETURNING ${COLUMNS}`,
    [id, status],
  );
  return rows[0] ? fromRow(keys, rows[0]) : undefined;
}

/** Marks a live connection removed and forgets its secrets; undefined when there is none. */
export async function markConnectionRemoved(
  db: Database,
  keys: EncryptionKey[],
  id: string,
): Promise<StoredConnection | undefined> {
  const { rows } = await db.query<Row>(
    `UPDATE connections SET status = 'removed', secrets_key_id = NULL, secrets_ciphertext = NULL,
       version = version + 1, updated_at = clock_timestamp(), removed_at = clock_timestamp()
     WHERE id = $1 AND status <> 'removed'
     RETURNING ${COLUMNS}`,
    [id],
  );
  return rows[0] ? fromRow(keys, rows[0]) : undefined;
}

/** Every connection that is not removed, by id. */
export async function readLiveConnections(db: Database, keys: EncryptionKey[]): Promise<StoredConnection[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM connections WHERE status <> 'removed' ORDER BY id`);
  return Promise.all(rows.map((row) => fromRow(keys, row)));
}

/** One live connection, or undefined. */
export async function readLiveConnection(
  db: Database,
  keys: EncryptionKey[],
  id: string,
): Promise<StoredConnection | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM connections WHERE id = $1 AND status <> 'removed'`, [
    id,
  ]);
  return rows[0] ? fromRow(keys, rows[0]) : undefined;
}

/** How many live connections are Stripe Connect accounts (they share the platform's Connect endpoint). */
export async function countConnectedAccounts(db: Database): Promise<number> {
  const { rows } = await db.query<{ count: string }>(
    `SELECT count(*) AS count FROM connections WHERE status <> 'removed' AND stripe_account_id IS NOT NULL`,
  );
  return Number(rows[0]?.count ?? 0);
}
