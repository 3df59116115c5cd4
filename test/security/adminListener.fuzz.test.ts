import type { Client } from '@temporalio/client';
import { Pool } from 'undici';
import { listen, type StartedServer } from '../../sandbox/kit/http';
import {
  Counters,
  defineWebhookCounters,
  PROMETHEUS_CONTENT_TYPE,
  WEBHOOK_COUNTERS,
} from '../../src/observability/counters';
import { createLogger } from '../../src/observability/logger';
import { ConnectorPages } from '../../src/reports/pages';
import { saveReport } from '../../src/store/reports';
import { startFileDatabase, type FileDatabase } from '../support/database';
import type { ReconciliationReport } from '../../src/shared/reconciliation';
import { createAdminAuthenticator } from '../../src/starter/admin/authenticator';
import { createAdminServer } from '../../src/starter/admin/adminServer';
import { EncryptionCodec } from '../../src/temporal/codec/encryptionCodec';
import { mapBounded } from '../fuzz/harness';
import { Rng } from '../fuzz/generators';
import { generateKey, signHs256, signJwt, startTestIssuer, unsignedJwt, type TestIssuer } from '../support/oidcIssuer';
import { connectTestClient, TEST_ENCRYPTION_KEYS } from '../support/temporal';

/**
 * Issue "safe to deploy", item 3: the admin listener (reports, problems, metrics, the codec)
 * under every kind of bad credential. No token, a wrong one, the right one in the wrong case or
 * with stray whitespace, expired JWTs, JWTs signed by another key, for another issuer or
 * audience, `alg: none`, HS256 with the issuer's public key as the secret, malformed JWTs, and
 * seeded random mutations of valid credentials: every one gets 401 with `WWW-Authenticate:
 * Bearer` and the same fixed body on every admin route (no report data, no ids, no paths). The
 * right token and valid JWTs from a local issuer (RS256 and ES256) get 200.
 *
 * `FUZZ_SEED=<n>` replays a run, `FUZZ_REQUESTS=<n>` sets the random credentials per route.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 0xad317);
const RANDOM_PER_ROUTE = Number(process.env.FUZZ_REQUESTS ?? 150);
const ADMIN_TOKEN = 'admin-fuzz-token-0123456789-abcdefghij';
const AUDIENCE = 'monstock-admin';
const REPORT_ID = 'rpt-secret-20261102';
const REFUSED_BODY = JSON.stringify({ error: 'authentication required' });

interface Route {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

describe('admin listener under bad credentials (fuzz)', () => {
  jest.setTimeout(120_000);
  let db: FileDatabase | undefined;
  let issuer: TestIssuer;
  let client: Client;
  let admin: StartedServer;
  let pool: Pool;
  let routes: Route[];
  /** Strings that must never appear in an answer to an unauthenticated request. */
  let secrets: string[];

  beforeAll(async () => {
    db = await startFileDatabase();
    const report: ReconciliationReport = {
      reportId: REPORT_ID,
      connectionId: 'default',
      window: { from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z' },
      startedAt: '2026-11-02T02:00:00.000Z',
      finishedAt: '2026-11-02T02:01:00.000Z',
      counts: { pages: 1, items: 3, intents: 2, orders: 1, findings: 1, stripeCalls: 0, repairsSent: 0, ignored: 0 },
      byKind: { amount_mismatch: 1 },
      totals: {
        eur: { stripeCollected: 9876543, monstockRecorded: 9876000, refunded: 0, disputed: 0, difference: -543 },
      },
      unresolved: 1,
      findings: [
        {
          kind: 'amount_mismatch',
          repairable: false,
          action: 'reported',
          paymentIntentId: 'pi_leakcheck_771',
          orderId: 'ord_leakcheck_772',
          detail: 'amounts differ',
        },
      ],
      findingsTruncated: false,
    };
    await saveReport(db.database, report, `/reports/${REPORT_ID}`);
    [issuer, client] = await Promise.all([startTestIssuer(), connectTestClient()]);
    const counters = defineWebhookCounters(new Counters());
    counters.inc(WEBHOOK_COUNTERS.received, { source: 'stripe' });
    const pages = new ConnectorPages({
      client,
      database: db.database,
      connectionId: 'default',
      namespace: client.options.namespace,
      temporalUiUrl: 'http://127.0.0.1:8233',
      stripeSecretKey: 'sk_test_x',
    });
    admin = await listen(
      createAdminServer({
        logger: createLogger({ level: 'error' }),
        authenticate: createAdminAuthenticator({
          token: ADMIN_TOKEN,
          oidc: { issuer: issuer.issuer, audience: AUDIENCE },
          jwks: { minRefetchIntervalMs: 2_000 },
        }),
        pages,
        metrics: async () => ({ status: 200, contentType: PROMETHEUS_CONTENT_TYPE, body: counters.toPrometheus() }),
        codec: { codec: new EncryptionCodec(TEST_ENCRYPTION_KEYS), corsOrigins: ['http://127.0.0.1:8233'] },
        codecWithoutToken: false,
      }),
      0,
    );
    pool = new Pool(admin.url, { connections: 8, pipelining: 1 });
    const [encrypted] = await new EncryptionCodec(TEST_ENCRYPTION_KEYS).encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"reference":"A-SECRET-1042"}') },
    ]);
    const wire = (payload: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) =>
      JSON.stringify({
        payloads: [
          {
            metadata: Object.fromEntries(
              Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
            ),
            data: Buffer.from(payload.data ?? []).toString('base64'),
          },
        ],
      });
    routes = [
      { method: 'GET', path: '/reports/latest' },
      { method: 'GET', path: '/reports/latest.json' },
      { method: 'GET', path: `/reports/${REPORT_ID}` },
      { method: 'GET', path: `/reports/${REPORT_ID}.json` },
      { method: 'GET', path: '/problems' },
      { method: 'GET', path: '/metrics' },
      {
        method: 'POST',
        path: '/codec/encode',
        body: wire({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"reference":"x"}') }),
      },
      { method: 'POST', path: '/codec/decode', body: wire(encrypted!) },
    ];
    secrets = [REPORT_ID, '98765', 'pi_leakcheck_771', 'ord_leakcheck_772', db.url, 'A-SECRET-1042', ADMIN_TOKEN];
    secrets.push(WEBHOOK_COUNTERS.received, 'reports', 'amount_mismatch', issuer.issuer);
  });

  afterAll(async () => {
    await pool?.close();
    await admin?.close();
    await issuer?.close();
    await client?.connection.close();
    await db?.stop();
  });

  const now = () => Math.floor(Date.now() / 1000);
  const claims = (overrides: Record<string, unknown> = {}) => ({
    iss: issuer.issuer,
    aud: AUDIENCE,
    sub: 'operator@example.test',
    iat: now(),
    exp: now() + 300,
    ...overrides,
  });

  async function call(route: Route, authorization: string | undefined, query = '') {
    const answer = await pool.request({
      path: `${route.path}${query}`,
      method: route.method,
      headers: {
        ...(authorization !== undefined ? { authorization } : {}),
        ...(route.body ? { 'content-type': 'application/json' } : {}),
      },
      ...(route.body ? { body: route.body } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: answer.statusCode, headers: answer.headers, body: await answer.body.text() };
  }

  /** Every way the answer to a refused request could go wrong, as readable strings. */
  function refusalProblems(
    label: string,
    route: Route,
    answer: { status: number; headers: Record<string, unknown>; body: string },
  ): string[] {
    const problems: string[] = [];
    const where = `${label} on ${route.method} ${route.path}`;
    if (answer.status !== 401) problems.push(`${where}: status ${answer.status}`);
    if (answer.headers['www-authenticate'] !== 'Bearer')
      problems.push(`${where}: www-authenticate ${String(answer.headers['www-authenticate'])}`);
    if (answer.body !== REFUSED_BODY) problems.push(`${where}: body ${answer.body.slice(0, 200)}`);
    const everything = `${answer.body}\n${JSON.stringify(answer.headers)}`;
    for (const secret of secrets) if (everything.includes(secret)) problems.push(`${where}: leaks ${secret}`);
    return problems;
  }

  it('answers the right token and valid RS256/ES256 access tokens with 200 on every admin route', async () => {
    const credentials: Array<[string, string]> = [
      ['static token', `Bearer ${ADMIN_TOKEN}`],
      ['RS256 JWT', `Bearer ${signJwt(issuer.keys.rsa, claims())}`],
      ['ES256 JWT', `Bearer ${signJwt(issuer.keys.ec, claims())}`],
      ['JWT with aud as a list', `Bearer ${signJwt(issuer.keys.rsa, claims({ aud: ['other', AUDIENCE] }))}`],
      ['JWT expired within the leeway', `Bearer ${signJwt(issuer.keys.ec, claims({ exp: now() - 5 }))}`],
    ];
    const failures: string[] = [];
    for (const [label, authorization] of credentials) {
      for (const route of routes) {
        const answer = await call(route, authorization);
        if (answer.status !== 200)
          failures.push(`${label} on ${route.path}: ${answer.status} ${answer.body.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    // What the valid answers carry: the report, decrypted payloads (so the 401s above are not empty by accident).
    expect((await call(routes[1]!, `Bearer ${ADMIN_TOKEN}`)).body).toContain(REPORT_ID);
    expect((await call(routes[7]!, `Bearer ${ADMIN_TOKEN}`)).body).toContain(
      Buffer.from('{"reference":"A-SECRET-1042"}').toString('base64'),
    );
  });

  it('refuses every bad credential on every admin route with a bare 401', async () => {
    const attacker = generateKey('RS256', issuer.keys.rsa.kid);
    const attackerEc = generateKey('ES256', issuer.keys.ec.kid);
    const rsaPublicPem = issuer.keys.rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const rsaPublicJwk = JSON.stringify(issuer.keys.rsa.publicKey.export({ format: 'jwk' }));
    const valid = signJwt(issuer.keys.rsa, claims());
    const [validHead, validBody] = valid.split('.') as [string, string, string];
    const cases: Array<[string, string | undefined]> = [
      ['no Authorization header', undefined],
      ['an empty header', ''],
      ['the scheme alone', 'Bearer'],
      ['the scheme and a space', 'Bearer '],
      ['a wrong token of the same length', `Bearer ${'x'.repeat(ADMIN_TOKEN.length)}`],
      ['a wrong short token', 'Bearer x'],
      ['the token without a scheme', ADMIN_TOKEN],
      ['the token as Basic credentials', `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`],
      ['the token upper-cased', `Bearer ${ADMIN_TOKEN.toUpperCase()}`],
      ['the token with one letter in the other case', `Bearer ${ADMIN_TOKEN.replace('a', 'A')}`],
      ['the token with two spaces before it', `Bearer  ${ADMIN_TOKEN}`],
      ['the token with a tab before it', `Bearer\t${ADMIN_TOKEN}`],
      ['the token with a space inside', `Bearer ${ADMIN_TOKEN.slice(0, 10)} ${ADMIN_TOKEN.slice(10)}`],
      ['the token followed by more', `Bearer ${ADMIN_TOKEN} ${ADMIN_TOKEN}`],
      ['the token truncated', `Bearer ${ADMIN_TOKEN.slice(0, -1)}`],
      ['the token extended', `Bearer ${ADMIN_TOKEN}x`],
      ['the token quoted', `Bearer "${ADMIN_TOKEN}"`],
      ['an expired JWT', `Bearer ${signJwt(issuer.keys.rsa, claims({ exp: now() - 600 }))}`],
      ['an expired ES256 JWT', `Bearer ${signJwt(issuer.keys.ec, claims({ exp: now() - 600, iat: now() - 900 }))}`],
      ['a JWT not valid yet', `Bearer ${signJwt(issuer.keys.rsa, claims({ nbf: now() + 600 }))}`],
      ['a JWT without exp', `Bearer ${signJwt(issuer.keys.rsa, claims({ exp: undefined }))}`],
      ['a JWT with a string exp', `Bearer ${signJwt(issuer.keys.rsa, claims({ exp: String(now() + 300) }))}`],
      ['a JWT signed by another RSA key under the same kid', `Bearer ${signJwt(attacker, claims())}`],
      ['a JWT signed by another EC key under the same kid', `Bearer ${signJwt(attackerEc, claims())}`],
      ['a JWT naming an unknown kid', `Bearer ${signJwt(generateKey('ES256', 'made-up'), claims())}`],
      ['a JWT without kid', `Bearer ${signJwt(issuer.keys.rsa, claims(), { kid: undefined })}`],
      ['a JWT from another issuer', `Bearer ${signJwt(issuer.keys.rsa, claims({ iss: 'https://evil.example' }))}`],
      [
        'a JWT with the issuer plus a slash',
        `Bearer ${signJwt(issuer.keys.rsa, claims({ iss: `${issuer.issuer}/` }))}`,
      ],
      ['a JWT without iss', `Bearer ${signJwt(issuer.keys.rsa, claims({ iss: undefined }))}`],
      ['a JWT for another audience', `Bearer ${signJwt(issuer.keys.rsa, claims({ aud: 'billing' }))}`],
      ['a JWT without aud', `Bearer ${signJwt(issuer.keys.ec, claims({ aud: undefined }))}`],
      ['a JWT claiming ES256 with the RSA key', `Bearer ${signJwt(issuer.keys.rsa, claims(), { alg: 'ES256' })}`],
      ['a JWT claiming RS256 with the EC key', `Bearer ${signJwt(issuer.keys.ec, claims(), { alg: 'RS256' })}`],
      ['alg none, no signature', `Bearer ${unsignedJwt(claims(), issuer.keys.rsa.kid)}`],
      ['alg none with a signature', `Bearer ${unsignedJwt(claims(), issuer.keys.rsa.kid, 'c2ln')}`],
      [
        'alg none with the valid signature',
        `Bearer ${unsignedJwt(claims(), issuer.keys.rsa.kid, valid.split('.')[2])}`,
      ],
      ['HS256 keyed with the public key (PEM)', `Bearer ${signHs256(rsaPublicPem, claims(), issuer.keys.rsa.kid)}`],
      ['HS256 keyed with the public key (JWK)', `Bearer ${signHs256(rsaPublicJwk, claims(), issuer.keys.rsa.kid)}`],
      ['HS256 keyed with the admin token', `Bearer ${signHs256(ADMIN_TOKEN, claims(), issuer.keys.rsa.kid)}`],
      [
        'a JWT with its claims changed after signing',
        `Bearer ${validHead}.${Buffer.from(JSON.stringify(claims({ sub: 'root' }))).toString('base64url')}.${valid.split('.')[2]}`,
      ],
      ['a JWT without its signature', `Bearer ${validHead}.${validBody}.`],
      ['a JWT with two segments', `Bearer ${validHead}.${validBody}`],
      ['a JWT with four segments', `Bearer ${valid}.${validBody}`],
      ['a JWT with padding', `Bearer ${validHead}=.${validBody}.${valid.split('.')[2]}`],
      ['a JWT whose header is not JSON', `Bearer ${Buffer.from('not json').toString('base64url')}.${validBody}.c2ln`],
      ['a JWT whose header is an array', `Bearer ${Buffer.from('["RS256"]').toString('base64url')}.${validBody}.c2ln`],
      ['a JWT whose claims are not JSON', `Bearer ${validHead}.${Buffer.from('{').toString('base64url')}.c2ln`],
      ['dots only', 'Bearer ..'],
      ['a JWE-shaped token', `Bearer ${validHead}.a.b.c.d`],
      ['a huge token', `Bearer ${'A'.repeat(8_000)}`],
    ];
    const problems: string[] = [];
    for (const [label, authorization] of cases) {
      for (const route of routes) problems.push(...refusalProblems(label, route, await call(route, authorization)));
    }
    // A token in the query string is no credential either.
    for (const route of routes)
      problems.push(
        ...refusalProblems('token in the query', route, await call(route, undefined, `?access_token=${ADMIN_TOKEN}`)),
      );
    // Unknown paths are refused the same way: an unauthenticated caller cannot even list what exists.
    for (const pathname of ['/', '/nope', '/reports', '/reports/../../etc/passwd', '/healthz'])
      problems.push(
        ...refusalProblems(
          'no credentials',
          { method: 'GET', path: pathname },
          await call({ method: 'GET', path: pathname }, undefined),
        ),
      );
    expect(problems).toEqual([]);
  });

  it(`refuses ${RANDOM_PER_ROUTE} seeded mutations of valid credentials per route (seed ${SEED})`, async () => {
    const rng = new Rng(SEED);
    const validJwts = [signJwt(issuer.keys.rsa, claims()), signJwt(issuer.keys.ec, claims())];
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ~';
    /** Changes one character that is not the last of a base64url segment (whose spare bits may decode the same). */
    const flip = (value: string): string => {
      for (;;) {
        const index = rng.int(0, value.length - 1);
        if (index === value.length - 1 || value[index + 1] === '.' || value[index] === '.') continue;
        const replacement = rng.pick([...ALPHABET]);
        if (replacement === value[index]) continue;
        return `${value.slice(0, index)}${replacement}${value.slice(index + 1)}`;
      }
    };
    /** A mutation that is really different (HTTP trims header values; two flips may undo each other). */
    const mutate = (): string => {
      for (;;) {
        const candidate = mutateOnce().trim();
        if (!validJwts.includes(candidate.slice('Bearer '.length)) && candidate !== `Bearer ${ADMIN_TOKEN}`)
          return candidate;
      }
    };
    const mutateOnce = (): string => {
      const base = rng.bool(0.3) ? ADMIN_TOKEN : rng.pick(validJwts);
      switch (rng.int(0, 6)) {
        case 0:
          return `Bearer ${flip(base)}`;
        case 1:
          return `Bearer ${base.slice(0, rng.int(0, base.length - 2))}`;
        case 2:
          return `Bearer ${base}${rng.pick([...ALPHABET.trim()])}`;
        case 3: {
          const shuffled = rng.shuffle(base.split('.')).join('.');
          return `Bearer ${shuffled === base ? `${base}x` : shuffled}`;
        }
        case 4:
          return `${rng.pick(['Token', 'Basic', 'JWT', 'Bearer:', 'Bearer=', 'Bearer\t'])} ${base}`;
        case 5:
          return `Bearer ${Array.from({ length: rng.int(1, 200) }, () => rng.pick([...ALPHABET])).join('')}`.trimEnd();
        default:
          return `Bearer ${flip(flip(base))}`;
      }
    };
    const requests = routes.flatMap((route) =>
      Array.from({ length: RANDOM_PER_ROUTE }, () => ({ route, authorization: mutate() })),
    );
    const answers = await mapBounded(requests, 8, async ({ route, authorization }) => ({
      authorization,
      problems: refusalProblems(`"${authorization.slice(0, 80)}"`, route, await call(route, authorization)),
    }));
    const problems = answers.flatMap((answer) => answer.problems);
    expect({ seed: SEED, problems: problems.slice(0, 20) }).toEqual({ seed: SEED, problems: [] });
    // Unknown kids refetch the JWKS, but no more often than the configured interval.
    expect(issuer.jwksFetches()).toBeLessThanOrEqual(10);
  });
});
