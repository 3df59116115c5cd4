import crypto from 'node:crypto';
import type { Jwk } from './jwks';

/**
 * Verifies a signed JWT (an OIDC access token) with node:crypto alone: asymmetric algorithms only
 * (RS*, PS*, ES*; never `none` nor HS*, so a public key can never be used as an HMAC secret), the
 * key's type and curve must fit the algorithm, then `iss`, `aud` (when expected), `exp` and `nbf`
 * with a small leeway for clock skew.
 */
export interface JwtExpectations {
  issuer: string;
  /** When set, `aud` (a string or a list) must contain it. */
  audience?: string | undefined;
  /** Clock skew allowed on exp and nbf, in seconds (default 30). */
  leewaySeconds?: number;
  now?: () => number;
}

export type JwtResult = { ok: true; subject: string | undefined } | { ok: false; reason: string };

const ALGORITHMS: Record<string, { hash: string; kty: 'RSA' | 'EC'; crv?: string; pss?: boolean }> = {
  RS256: { hash: 'sha256', kty: 'RSA' },
  RS384: { hash: 'sha384', kty: 'RSA' },
  RS512: { hash: 'sha512', kty: 'RSA' },
  PS256: { hash: 'sha256', kty: 'RSA', pss: true },
  PS384: { hash: 'sha384', kty: 'RSA', pss: true },
  PS512: { hash: 'sha512', kty: 'RSA', pss: true },
  ES256: { hash: 'sha256', kty: 'EC', crv: 'P-256' },
  ES384: { hash: 'sha384', kty: 'EC', crv: 'P-384' },
  ES512: { hash: 'sha512', kty: 'EC', crv: 'P-521' },
};

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** The header of a compact JWS, if the token has that shape; nothing is trusted from it yet. */
export function jwtHeader(token: string): { alg: string; kid: string | undefined } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => SEGMENT.test(part))) return undefined;
  const header = decodeJson(parts[0]!);
  if (!header || typeof header.alg !== 'string') return undefined;
  return { alg: header.alg, kid: typeof header.kid === 'string' ? header.kid : undefined };
}

export function verifyJwt(token: string, key: Jwk, expected: JwtExpectations): JwtResult {
  const header = jwtHeader(token);
  if (!header) return { ok: false, reason: 'not a signed JWT' };
  const algorithm = ALGORITHMS[header.alg];
  if (!algorithm) return { ok: false, reason: `algorithm ${header.alg} is not accepted` };
  if (key.kty !== algorithm.kty || (algorithm.crv !== undefined && key.crv !== algorithm.crv))
    return { ok: false, reason: 'key does not fit the algorithm' };
  if (key.alg !== undefined && key.alg !== header.alg) return { ok: false, reason: 'key is for another algorithm' };
  const [encodedHeader, encodedPayload, encodedSignature] = token.split('.') as [string, string, string];
  let publicKey: crypto.KeyObject;
  try {
    publicKey = crypto.createPublicKey({ key: publicPartsOf(key), format: 'jwk' });
  } catch {
    return { ok: false, reason: 'unusable key' };
  }
  const signed = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'ascii');
  const signature = Buffer.from(encodedSignature, 'base64url');
  let valid: boolean;
  try {
    valid = crypto.verify(
      algorithm.hash,
      signed,
      algorithm.kty === 'EC'
        ? { key: publicKey, dsaEncoding: 'ieee-p1363' }
        : algorithm.pss
          ? {
              key: publicKey,
              padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
              saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST,
            }
          : publicKey,
      signature,
    );
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'bad signature' };

  const claims = decodeJson(encodedPayload);
  if (!claims) return { ok: false, reason: 'claims are not a JSON object' };
  const now = (expected.now ?? (() => Date.now()))() / 1000;
  const leeway = expected.leewaySeconds ?? 30;
  // OIDC: `iss` is exactly the issuer identifier as configured (a trailing slash included).
  if (claims.iss !== expected.issuer) return { ok: false, reason: 'wrong issuer' };
  if (expected.audience !== undefined) {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(expected.audience)) return { ok: false, reason: 'wrong audience' };
  }
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) return { ok: false, reason: 'no expiry' };
  if (now > claims.exp + leeway) return { ok: false, reason: 'expired' };
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || now < claims.nbf - leeway))
    return { ok: false, reason: 'not valid yet' };
  return { ok: true, subject: typeof claims.sub === 'string' ? claims.sub : undefined };
}

function decodeJson(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Only the public members: a JWKS that (wrongly) carried private parts must not make a private key. */
function publicPartsOf(key: Jwk): crypto.JsonWebKey {
  return key.kty === 'EC' ? { kty: key.kty, crv: key.crv, x: key.x, y: key.y } : { kty: key.kty, n: key.n, e: key.e };
}
