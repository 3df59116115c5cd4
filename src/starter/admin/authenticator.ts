import { bearerTokenOf, isStaticToken } from './bearerToken';
import { JwksCache, type JwksOptions } from './jwks';
import { jwtHeader, verifyJwt } from './jwt';

/** Who a request to the admin listener is, or why it is nobody. Never carries the token itself. */
export type AdminIdentity =
  { ok: true; via: 'token' } | { ok: true; via: 'oidc'; subject: string | undefined } | { ok: false; reason: string };

export type AdminAuthenticator = (authorization: string | undefined) => Promise<AdminIdentity>;

export interface AdminAuthOptions {
  /** ADMIN_TOKEN: scripts, Prometheus, and people who have it. */
  token: string;
  /** OIDC_ISSUER / OIDC_AUDIENCE: people signed in at the issuer (e.g. through the Temporal Web UI). */
  oidc?: { issuer: string; audience: string | undefined } | undefined;
  /** JWKS fetching (tests shorten the refetch interval). */
  jwks?: Omit<JwksOptions, 'issuer'>;
  leewaySeconds?: number;
  now?: () => number;
}

/**
 * The admin listener's one gate: `Authorization: Bearer <token>` where the token is either the
 * static ADMIN_TOKEN (compared in constant time) or, when an issuer is configured, an access token
 * that issuer signed (verified against its JWKS).
 */
export function createAdminAuthenticator(options: AdminAuthOptions): AdminAuthenticator {
  const jwks = options.oidc ? new JwksCache({ ...options.jwks, issuer: options.oidc.issuer }) : undefined;
  return async (authorization) => {
    const token = bearerTokenOf(authorization);
    if (token === undefined) return { ok: false, reason: authorization ? 'not a bearer token' : 'no credentials' };
    if (isStaticToken(token, options.token)) return { ok: true, via: 'token' };
    if (!options.oidc || !jwks) return { ok: false, reason: 'wrong token' };
    const header = jwtHeader(token);
    if (!header) return { ok: false, reason: 'wrong token' };
    if (header.kid === undefined) return { ok: false, reason: 'JWT names no key' };
    const key = await jwks.key(header.kid);
    if (!key) return { ok: false, reason: 'JWT signed by an unknown key' };
    const result = verifyJwt(token, key, {
      issuer: options.oidc.issuer,
      audience: options.oidc.audience,
      ...(options.leewaySeconds !== undefined ? { leewaySeconds: options.leewaySeconds } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    return result.ok ? { ok: true, via: 'oidc', subject: result.subject } : { ok: false, reason: result.reason };
  };
}
