import crypto from 'node:crypto';
import type { Jwk } from '../../src/starter/admin/jwks';
import { verifyJwt } from '../../src/starter/admin/jwt';
import { loadConfig, withDevelopmentValues } from '../../src/config';

/** `iss` must be the configured issuer exactly; the setting keeps a trailing slash as written (Auth0 ends with one). */
describe('JWT issuer', () => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256' } as Jwk;
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>) => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const body = `${part({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${part(claims)}`;
    return `${body}.${crypto.sign('sha256', Buffer.from(body), privateKey).toString('base64url')}`;
  };

  it('accepts exactly the configured issuer, trailing slash included', () => {
    const expected = { issuer: 'https://tenant.example.com/' };
    const claims = { sub: 'ops', exp: now + 60 };
    expect(verifyJwt(sign({ ...claims, iss: 'https://tenant.example.com/' }), jwk, expected)).toEqual({
      ok: true,
      subject: 'ops',
    });
    expect(verifyJwt(sign({ ...claims, iss: 'https://tenant.example.com' }), jwk, expected).ok).toBe(false);
    expect(loadConfig({ ...withDevelopmentValues({}), OIDC_ISSUER: 'https://tenant.example.com/' }).admin.oidc).toEqual(
      {
        issuer: 'https://tenant.example.com/',
        audience: undefined,
      },
    );
    expect(verifyJwt(sign({ ...claims, iss: 'https://tenant.example.com.evil/' }), jwk, expected)).toEqual({
      ok: false,
      reason: 'wrong issuer',
    });
    expect(verifyJwt(sign({ ...claims, iss: 42 }), jwk, expected)).toEqual({ ok: false, reason: 'wrong issuer' });
  });
});
