import crypto from 'node:crypto';

/** Ids look like the real thing: a type prefix and random base62 characters. */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export type IdPrefix = 'ord' | 'mcu' | 'pay' | 'evt' | 'rfq';

export function newId(prefix: IdPrefix, length = 20): string {
  const bytes = crypto.randomBytes(length);
  let out = '';
  // 248 is the largest multiple of 62 below 256; rejecting above it keeps the draw uniform.
  for (const byte of bytes) if (byte < 248) out += ALPHABET[byte % 62];
  return out.length >= length ? `${prefix}_${out.slice(0, length)}` : newId(prefix, length);
}
