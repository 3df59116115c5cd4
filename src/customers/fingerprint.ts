import { createHash } from 'node:crypto';
import type { CustomerFields } from './fields';

/**
 * A short, stable digest of the synced fields, stored on both sides after each sync. A record
 * whose fields still hash to its stored value has not changed since we last synced it, which is
 * how our own writes are told apart from people's edits (no ping-pong). Versioned so a future
 * change of canonical form can be told from a change of data.
 */
const VERSION = 'v1';

export function fingerprint(fields: CustomerFields): string {
  const address = fields.address;
  const canonical = JSON.stringify([
    fields.email ?? null,
    fields.name ?? null,
    fields.phone ?? null,
    address
      ? [
          address.line1 ?? null,
          address.line2 ?? null,
          address.postalCode ?? null,
          address.city ?? null,
          address.country ?? null,
        ]
      : null,
  ]);
  return `${VERSION}:${createHash('sha256').update(canonical).digest('hex').slice(0, 32)}`;
}

/**
 * An e-mail's stand-in where it must not appear (workflow state, history): case-insensitive, as both sides' lookups
 * are.
 */
export function emailDigest(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 20);
}
