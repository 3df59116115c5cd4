import type http from 'node:http';
import { request } from 'undici';
import { listen, type StartedServer } from '../../sandbox/kit/http';
import { createLogger } from '../../src/observability/logger';
import { createAdminAuthenticator } from '../../src/starter/admin/authenticator';
import { codecOpenInDevelopment, createAdminServer } from '../../src/starter/admin/adminServer';
import { adminUrl } from '../../src/starter/admin/adminUrl';
import { bearerTokenOf, isStaticToken } from '../../src/starter/admin/bearerToken';
import { JwksCache } from '../../src/starter/admin/jwks';
import { isLoopbackHost } from '../../src/starter/admin/loopback';
import { EncryptionCodec } from '../../src/temporal/codec/encryptionCodec';
import { generateKey, signJwt, startTestIssuer, type TestIssuer } from '../support/oidcIssuer';
import { TEST_ENCRYPTION_KEYS } from '../support/temporal';

/**
 * The admin listener's rules beyond bad credentials (adminListener.fuzz.test.ts): the codec's
 * development exception (no token, loopback, Web UI origins) and production (token needed),
 * CORS preflight, the JWKS cache (by kid, refetch on rotation at most every N seconds).
 */
const TOKEN = 'admin-test-token-0123456789-abcdefghijk';
const UI_ORIGIN = 'http://127.0.0.1:8233';
const codecBody = JSON.stringify({
  payloads: [
    {
      metadata: { encoding: Buffer.from('json/plain').toString('base64') },
      data: Buffer.from('{"a":1}').toString('base64'),
    },
  ],
});

function adminServer(codecWithoutToken: boolean): http.Server {
  return createAdminServer({
    logger: createLogger({ level: 'error' }),
    authenticate: createAdminAuthenticator({ token: TOKEN }),
    pages: {
      handlerFor: (pathname) =>
        pathname === '/reports/latest'
          ? async () => ({ status: 200, contentType: 'text/html', body: 'the report' })
          : undefined,
    },
    metrics: async () => ({ status: 200, contentType: 'text/plain', body: 'metric 1' }),
    codec: { codec: new EncryptionCodec(TEST_ENCRYPTION_KEYS), corsOrigins: [UI_ORIGIN] },
    codecWithoutToken,
  });
}

async function post(url: string, headers: Record<string, string> = {}) {
  const answer = await request(url, {
    method: 'POST',
    body: codecBody,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return { status: answer.statusCode, headers: answer.headers, body: await answer.body.text() };
}

describe('admin listener: the codec in development and production', () => {
  let development: StartedServer;
  let production: StartedServer;

  beforeAll(async () => {
    development = await listen(adminServer(codecOpenInDevelopment('development', '127.0.0.1')), 0);
    production = await listen(adminServer(codecOpenInDevelopment('production', '127.0.0.1')), 0);
  });
  afterAll(async () => {
    await development?.close();
    await production?.close();
  });

  it('opens the codec without a token only in development mode on a loopback bind', () => {
    expect(codecOpenInDevelopment('development', '127.0.0.1')).toBe(true);
    expect(codecOpenInDevelopment('development', 'localhost')).toBe(true);
    expect(codecOpenInDevelopment('development', '::1')).toBe(true);
    expect(codecOpenInDevelopment('development', '0.0.0.0')).toBe(false);
    expect(codecOpenInDevelopment('development', '::')).toBe(false);
    expect(codecOpenInDevelopment('development', '10.0.0.5')).toBe(false);
    expect(codecOpenInDevelopment('development', 'admin.example.com')).toBe(false);
    expect(codecOpenInDevelopment('production', '127.0.0.1')).toBe(false);
    expect(isLoopbackHost('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackHost('::ffff:10.0.0.1')).toBe(false);
  });

  it('development: the Web UI (no sign-in) encodes and decodes from loopback without a token', async () => {
    for (const operation of ['encode', 'decode'] as const) {
      const body =
        operation === 'encode'
          ? undefined
          : (JSON.parse((await post(`${development.url}/codec/encode`)).body) as unknown);
      const answer = await request(`${development.url}/codec/${operation}`, {
        method: 'POST',
        body: body ? JSON.stringify(body) : codecBody,
        headers: { 'content-type': 'application/json', origin: UI_ORIGIN },
      });
      expect(answer.statusCode).toBe(200);
      expect(answer.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
      const json = (await answer.body.json()) as { payloads: Array<{ data: string }> };
      if (operation === 'decode') expect(Buffer.from(json.payloads[0]!.data, 'base64').toString()).toBe('{"a":1}');
    }
    // Without an Origin (curl on the same machine) too.
    expect((await post(`${development.url}/codec/encode`)).status).toBe(200);
    const preflight = await request(`${development.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    await preflight.body.dump();
  });

  it('development: a page from another origin gets no codec, and every other route still needs the token', async () => {
    const foreign = await post(`${development.url}/codec/decode`, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(401);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    for (const pathname of ['/reports/latest', '/metrics', '/problems']) {
      const answer = await request(`${development.url}${pathname}`, { headers: { origin: UI_ORIGIN } });
      expect({ pathname, status: answer.statusCode }).toEqual({ pathname, status: 401 });
      expect(answer.headers['www-authenticate']).toBe('Bearer');
      await answer.body.dump();
    }
    const withToken = await request(`${development.url}/reports/latest`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(withToken.statusCode).toBe(200);
    expect(await withToken.body.text()).toBe('the report');
  });

  it('production: the codec needs the token like every other route', async () => {
    for (const operation of ['encode', 'decode']) {
      const refused = await post(`${production.url}/codec/${operation}`, { origin: UI_ORIGIN });
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toBe('Bearer');
      // The UI can read the 401 (CORS), so it shows "unauthorized" rather than a network error.
      expect(refused.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
      expect(refused.body).toBe(JSON.stringify({ error: 'authentication required' }));
    }
    expect((await post(`${production.url}/codec/encode`)).status).toBe(401);
    expect((await post(`${production.url}/codec/encode`, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    // The preflight carries no credentials (browsers never send them there): it is answered, with CORS only.
    const preflight = await request(`${production.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: UI_ORIGIN },
    });
    expect(preflight.statusCode).toBe(204);
    expect(await preflight.body.text()).toBe('');
  });

  it('answers 404 to unknown paths and 405 to writes on pages, once authenticated', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const missing = await request(`${production.url}/webhooks/stripe`, { method: 'POST', body: '{}', headers: auth });
    expect(missing.statusCode).toBe(404);
    await missing.body.dump();
    const write = await request(`${production.url}/metrics`, { method: 'POST', body: '{}', headers: auth });
    expect(write.statusCode).toBe(405);
    await write.body.dump();
  });
});

describe('admin authentication pieces', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(async () => {
    await issuer?.close();
  });

  it('reads a bearer token strictly and compares the static token in constant time', () => {
    expect(bearerTokenOf(`Bearer ${TOKEN}`)).toBe(TOKEN);
    expect(bearerTokenOf(`bearer ${TOKEN}`)).toBe(TOKEN);
    expect(bearerTokenOf(`Bearer  ${TOKEN}`)).toBeUndefined();
    expect(bearerTokenOf(`Bearer ${TOKEN} x`)).toBeUndefined();
    expect(bearerTokenOf(TOKEN)).toBeUndefined();
    expect(bearerTokenOf(undefined)).toBeUndefined();
    expect(isStaticToken(TOKEN, TOKEN)).toBe(true);
    expect(isStaticToken(TOKEN.toUpperCase(), TOKEN)).toBe(false);
    expect(isStaticToken('', '')).toBe(false);
  });

  it('caches the issuer keys by kid and refetches on an unknown kid at most every interval', async () => {
    let clock = 1_000_000;
    const jwks = new JwksCache({ issuer: issuer.issuer, minRefetchIntervalMs: 60_000, now: () => clock });
    const before = issuer.jwksFetches();
    expect(await jwks.key('rsa-1')).toBeDefined();
    expect(await jwks.key('ec-1')).toBeDefined();
    expect(issuer.jwksFetches()).toBe(before + 1);
    // Unknown kids within the interval: no fetch at all, however many.
    await Promise.all(Array.from({ length: 20 }, (_, index) => jwks.key(`unknown-${index}`)));
    expect(issuer.jwksFetches()).toBe(before + 1);
    // The issuer rotates in a new key; after the interval, its kid is found with one fetch.
    issuer.keys.rsa = generateKey('RS256', 'rsa-2');
    expect(await jwks.key('rsa-2')).toBeUndefined();
    clock += 60_000;
    expect(await jwks.key('rsa-2')).toBeDefined();
    expect(issuer.jwksFetches()).toBe(before + 2);
  });

  it('accepts a token from the rotated key once the interval has passed', async () => {
    let clock = Date.now();
    const authenticate = createAdminAuthenticator({
      token: TOKEN,
      oidc: { issuer: issuer.issuer, audience: undefined },
      jwks: { minRefetchIntervalMs: 30_000, now: () => clock },
    });
    const claims = { iss: issuer.issuer, exp: Math.floor(Date.now() / 1000) + 60 };
    expect(await authenticate(`Bearer ${signJwt(issuer.keys.ec, claims)}`)).toEqual({
      ok: true,
      via: 'oidc',
      subject: undefined,
    });
    issuer.keys.ec = generateKey('ES256', 'ec-rotated');
    const rotated = `Bearer ${signJwt(issuer.keys.ec, claims)}`;
    expect(await authenticate(rotated)).toMatchObject({ ok: false });
    clock += 30_000;
    expect(await authenticate(rotated)).toMatchObject({ ok: true, via: 'oidc' });
  });

  it('prints the admin URL a person can open', () => {
    expect(adminUrl('127.0.0.1', 3001)).toBe('http://127.0.0.1:3001');
    expect(adminUrl('0.0.0.0', 3001)).toBe('http://127.0.0.1:3001');
    expect(adminUrl('::1', 3001)).toBe('http://[::1]:3001');
  });
});
