import crypto from 'node:crypto';

/**
 * Ids shaped like Stripe's: a type prefix and random base62. Code under test often checks the
 * prefix (`pi_`, `ch_`, `evt_`), so the prefixes are the real ones.
 */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export type IdPrefix =
  'cus' | 'pi' | 'ch' | 're' | 'dp' | 'txn' | 'evt' | 'we' | 'pm' | 'cs_test' | 'req' | 'whsec' | 'li' | 'py';

export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    // 248 is the largest multiple of 62 below 256; rejecting above it keeps the draw uniform.
    for (const byte of crypto.randomBytes(length)) if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
  }
  return out;
}

const LENGTHS: Partial<Record<IdPrefix, number>> = { cus: 14, req: 14, cs_test: 58, whsec: 32 };

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBase62(LENGTHS[prefix] ?? 24)}`;
}

/** Which object an id names, from its prefix, so `expand[]` can follow any id it meets. */
export const OBJECT_BY_PREFIX: Record<string, string> = {
  cus: 'customer',
  pi: 'payment_intent',
  ch: 'charge',
  py: 'charge',
  re: 'refund',
  dp: 'dispute',
  txn: 'balance_transaction',
  evt: 'event',
  we: 'webhook_endpoint',
  pm: 'payment_method',
  cs: 'checkout.session',
};

export function objectNameOfId(id: string): string | undefined {
  const prefix = id.slice(0, id.indexOf('_'));
  return OBJECT_BY_PREFIX[prefix];
}
