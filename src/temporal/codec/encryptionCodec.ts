import crypto from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/**
 * Encrypts every payload the connector puts into Temporal with AES-256-GCM, so names, e-mails and
 * amounts are not readable in Temporal's database. Each payload names the key that encrypted it,
 * so keys rotate: the first key encrypts, all keys decrypt. Payloads that are not ours (written
 * before encryption was switched on) pass through unchanged, so running histories keep working.
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;
  private readonly active: EncryptionKey;

  constructor(keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error('EncryptionCodec needs at least one key');
    for (const { id, key } of keys) {
      if (key.length !== 32) throw new Error(`encryption key ${id} must be 32 bytes (AES-256), got ${key.length}`);
    }
    this.active = keys[0]!;
    this.keys = new Map(keys.map(({ id, key }) => [id, key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = crypto.randomBytes(IV_BYTES);
      const cipher = crypto.createCipheriv('aes-256-gcm', this.active.key, iv);
      const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
      return {
        metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(this.active.id) },
        data: Buffer.concat([iv, encrypted, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (Buffer.from(payload.metadata?.encoding ?? []).toString() !== ENCRYPTED_ENCODING) return payload;
      const keyId = Buffer.from(payload.metadata?.[KEY_ID_METADATA] ?? []).toString();
      const key = this.keys.get(keyId);
      if (!key) throw new Error(`payload encrypted with key "${keyId}", which is not among the configured keys`);
      const data = Buffer.from(payload.data ?? []);
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
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
