import crypto from 'node:crypto';
import http from 'node:http';
import { listen, type StartedServer } from '../../sandbox/kit/http';

/**
 * A local OIDC issuer for the admin listener's tests: an HTTP server on 127.0.0.1 serving
 * `/.well-known/openid-configuration` and a JWKS with the public halves of key pairs generated
 * here, and a signer for access tokens with any header and claims (valid ones and broken ones).
 */
export interface TestKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: crypto.KeyObject;
  publicKey: crypto.KeyObject;
}

export interface TestIssuer {
  issuer: string;
  keys: { rsa: TestKey; ec: TestKey };
  /** Fetches of the JWKS so far (the cache and its refetch limit are visible through it). */
  jwksFetches(): number;
  close(): Promise<void>;
}

export function generateKey(alg: 'RS256' | 'ES256', kid: string): TestKey {
  const pair =
    alg === 'RS256'
      ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
      : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg, privateKey: pair.privateKey, publicKey: pair.publicKey };
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const keys = { rsa: generateKey('RS256', 'rsa-1'), ec: generateKey('ES256', 'ec-1') };
  let fetches = 0;
  let started: StartedServer | undefined;
  const server = http.createServer((request, response) => {
    const issuer = started!.url;
    if (request.url === '/.well-known/openid-configuration') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
      return;
    }
    if (request.url === '/jwks') {
      fetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          keys: Object.values(keys).map((key) => ({
            ...key.publicKey.export({ format: 'jwk' }),
            kid: key.kid,
            alg: key.alg,
            use: 'sig',
          })),
        }),
      );
      return;
    }
    response.writeHead(404);
    response.end();
  });
  started = await listen(server, 0);
  return { issuer: started.url, keys, jwksFetches: () => fetches, close: () => started!.close() };
}

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A compact JWS signed with `key` (RS256 or ES256), header and claims as given. */
export function signJwt(key: TestKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const head = b64({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header });
  const body = b64(claims);
  const signature = crypto.sign(
    'sha256',
    Buffer.from(`${head}.${body}`),
    key.alg === 'ES256' ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' } : key.privateKey,
  );
  return `${head}.${body}.${signature.toString('base64url')}`;
}

/** An HS256 token whose HMAC secret is `secret` (e.g. the issuer's public key: the classic confusion). */
export function signHs256(secret: string | Buffer, claims: Record<string, unknown>, kid: string): string {
  const head = b64({ alg: 'HS256', typ: 'JWT', kid });
  const body = b64(claims);
  const mac = crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${mac}`;
}

/** An unsigned token (`alg: none`), with an empty or a made-up signature. */
export function unsignedJwt(claims: Record<string, unknown>, kid: string, signature = ''): string {
  return `${b64({ alg: 'none', typ: 'JWT', kid })}.${b64(claims)}.${signature}`;
}
