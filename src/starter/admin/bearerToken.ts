import crypto from 'node:crypto';

/**
 * The credential of an `Authorization: Bearer <token>` header (RFC 6750), or undefined when the
 * header is missing or not exactly that: one space after the scheme, token68 characters only, so
 * a token with stray whitespace or quotes is no token at all.
 */
export function bearerTokenOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
  return match?.[1];
}

/**
 * The static admin token, compared in constant time: both sides are hashed first, so neither the
 * content nor the length of the expected token shows in the comparison's timing.
 */
export function isStaticToken(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given, 'utf8').digest();
  const b = crypto.createHash('sha256').update(expected, 'utf8').digest();
  return crypto.timingSafeEqual(a, b) && expected.length > 0;
}
