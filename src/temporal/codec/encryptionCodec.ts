import crypto from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/**
 * Encrypts every payload the connector puts into Temporal with AES-256-GCM, so names, e-mails and
 * amounts are not readable in Temporal's database. Each payload names the key that encrypted it,
 * so keys rotate: the first key encrypts, all keys decrypt. A payload's data is
 * `<12-byte IV><ciphertext><16-byte GCM tag>`; the tag length is pinned, so a truncated tag never
 * authenticates anything.
 *
 * Payloads that are not ours (written before encryption was switched on) pass through unchanged
 * by default, so old development histories keep working. With `rejectUnencrypted` (the worker in
 * production) such a payload is refused instead: whoever can write to Temporal could otherwise
 * hand the workflows plaintext input the connector never encrypted.
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export interface EncryptionCodecOptions {
  /** Refuse to decode a payload without the encryption encoding (production workers) instead of passing it through. */
  rejectUnencrypted?: boolean;
}

/** A payload the codec will not decode: unencrypted where that is refused, malformed, or failing authentication. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

export class EncryptionCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;
  private readonly active: EncryptionKey;
  private readonly rejectUnencrypted: boolean;

  constructor(keys: EncryptionKey[], options: EncryptionCodecOptions = {}) {
    if (keys.length === 0) throw new Error('EncryptionCodec needs at least one key');
    for (const { id, key } of keys) {
      if (key.length !== 32) throw new Error(`encryption key ${id} must be 32 bytes (AES-256), got ${key.length}`);
    }
    this.active = keys[0]!;
    this.keys = new Map(keys.map(({ id, key }) => [id, key]));
    this.rejectUnencrypted = options.rejectUnencrypted ?? false;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = crypto.randomBytes(IV_BYTES);
      const cipher = crypto.createCipheriv('aes-256-gcm', this.active.key, iv, { authTagLength: TAG_BYTES });
      const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
      return {
        metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(this.active.id) },
        data: Buffer.concat([iv, encrypted, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decodeOne(payload));
  }

  private decodeOne(payload: Payload): Payload {
    const encoding = Buffer.from(payload.metadata?.encoding ?? []).toString();
    if (encoding !== ENCRYPTED_ENCODING) {
      if (!this.rejectUnencrypted) return payload;
      throw new PayloadDecryptionError(
        `refusing a payload that is not encrypted (encoding ${JSON.stringify(encoding.slice(0, 40))}): in production mode every payload must carry the ${ENCRYPTED_ENCODING} encoding`,
      );
    }
    const keyId = Buffer.from(payload.metadata?.[KEY_ID_METADATA] ?? []).toString();
    const key = this.keys.get(keyId);
    if (!key)
      throw new PayloadDecryptionError(`payload encrypted with key "${keyId}", which is not among the configured keys`);
    const data = Buffer.from(payload.data ?? []);
    // IV and tag have fixed lengths: anything shorter cannot hold both, whatever its ciphertext.
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new PayloadDecryptionError(
        `encrypted payload is ${data.length} bytes, shorter than its ${IV_BYTES}-byte IV and ${TAG_BYTES}-byte tag`,
      );
    const iv = data.subarray(0, IV_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const ciphertext = data.subarray(IV_BYTES, data.length - TAG_BYTES);
    // authTagLength pins the tag to 16 bytes: Node would otherwise accept a 4-byte prefix of it.
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    let plain: Buffer;
    try {
      decipher.setAuthTag(tag);
      plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `encrypted payload (key "${keyId}") could not be authenticated: it was tampered with or truncated`,
      );
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}

/** `PAYLOAD_ENCRYPTION_KEYS=<id>:<base64 32 bytes>[,<id>:<base64>...]`, the first one encrypting. */
export function parseEncryptionKeys(text: string): EncryptionKey[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const index = part.indexOf(':');
      if (index <= 0) throw new Error('each key must be <id>:<base64 of 32 bytes>');
      const id = part.slice(0, index);
      const key = Buffer.from(part.slice(index + 1), 'base64');
      if (!/^[A-Za-z0-9_.-]{1,40}$/.test(id))
        throw new Error(`key id "${id}" must be 1-40 letters, digits, dots, dashes or underscores`);
      if (key.length !== 32) throw new Error(`key ${id} must decode to 32 bytes, got ${key.length}`);
      return { id, key };
    });
}
