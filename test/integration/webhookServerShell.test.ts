import { request } from 'undici';
import { listen, type StartedServer } from '../../sandbox/kit/http';
import { Counters, defineWebhookCounters, WEBHOOK_COUNTERS as C } from '../../src/observability/counters';
import { createLogger } from '../../src/observability/logger';
import { createTemporalReadiness } from '../../src/starter/http/readiness';
import { createConnectorHttpServer, type WebhookRequest } from '../../src/starter/http/server';
import { Client, Connection } from '@temporalio/client';
import { EncryptionCodec } from '../../src/temporal/codec/encryptionCodec';
import { connectTestClient, TEST_ENCRYPTION_KEYS } from '../support/temporal';

/**
 * What the webhook server process used to hand its public shell: the pages and the codec. The
 * public port must not serve them even so; they live on the admin listener (adminListener tests).
 */
const page = async () => ({ status: 200, contentType: 'text/html', body: 'revenue 9876.54 EUR, ord_1, /data/reports' });
const formerAdminOptions = {
  pages: {
    '/reports/latest': page,
    '/reports/latest.json': page,
    '/reports/r-1': page,
    '/problems': page,
    '/metrics': page,
  },
  codec: {
    codec: new EncryptionCodec(TEST_ENCRYPTION_KEYS),
    token: 'a-token-of-at-least-32-characters-0000',
    corsOrigins: ['http://127.0.0.1:8233'],
  },
} as object;

/** The HTTP shell: probes for load balancers, connection ids in webhook paths, the 1 MiB cap. */
describe('connector HTTP shell', () => {
  let server: StartedServer;
  let client: Client;
  const received: WebhookRequest[] = [];

  beforeAll(async () => {
    client = await connectTestClient();
    server = await listen(
      createConnectorHttpServer({
        logger: createLogger({ level: 'error' }),
        readiness: createTemporalReadiness(client, 0),
        connectionIds: ['default', 'shop-2'],
        ...formerAdminOptions,
        webhooks: {
          echo: async (webhook) => {
            received.push(webhook);
            return { status: 200, body: { received: true } };
          },
        },
      }),
      0,
    );
  });
  afterAll(async () => {
    await server.close();
    await client.connection.close();
  });

  it('answers /healthz and, with Temporal up, /readyz', async () => {
    expect((await request(`${server.url}/healthz`)).statusCode).toBe(200);
    const ready = await request(`${server.url}/readyz`);
    expect(ready.statusCode).toBe(200);
    expect(await ready.body.json()).toEqual({ status: 'ready' });
  });

  it('is not ready when Temporal cannot be reached', async () => {
    const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 200 });
    const readiness = createTemporalReadiness(new Client({ connection }), 0, 300);
    const answer = await readiness();
    expect(answer.ready).toBe(false);
    expect(answer.reason).toMatch(/Temporal unreachable/);
    await connection.close().catch(() => undefined);
  });

  it('routes /webhooks/<source> to the default connection and /webhooks/<source>/<id> to that one', async () => {
    received.length = 0;
    await request(`${server.url}/webhooks/echo`, { method: 'POST', body: 'a' });
    await request(`${server.url}/webhooks/echo/shop-2`, { method: 'POST', body: 'b' });
    expect(received.map((item) => [item.connectionId, item.rawBody.toString()])).toEqual([
      ['default', 'a'],
      ['shop-2', 'b'],
    ]);
  });

  it.each([
    ['an unknown connection', '/webhooks/echo/other', 'POST', 404],
    ['an unknown source', '/webhooks/nothing', 'POST', 404],
    ['a GET on a webhook route', '/webhooks/echo', 'GET', 405],
  ])('refuses %s', async (_label, path, method, status) => {
    received.length = 0;
    const answer = await request(`${server.url}${path}`, {
      method: method as 'GET' | 'POST',
      ...(method === 'POST' ? { body: '{}' } : {}),
    });
    expect(answer.statusCode).toBe(status);
    await answer.body.dump();
    expect(received).toHaveLength(0);
  });

  it.each([
    ['GET', '/reports/latest'],
    ['GET', '/reports/latest.json'],
    ['GET', '/reports/r-1'],
    ['GET', '/problems'],
    ['GET', '/metrics'],
    ['POST', '/codec/decode'],
    ['POST', '/codec/encode'],
    ['OPTIONS', '/codec/decode'],
  ])('serves only webhooks and probes: %s %s is a 404 on the public port', async (method, path) => {
    const answer = await request(`${server.url}${path}`, {
      method: method as 'GET' | 'POST' | 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:8233', authorization: 'Bearer a-token-of-at-least-32-characters-0000' },
      ...(method === 'POST' ? { body: '{"payloads":[]}' } : {}),
    });
    expect(answer.statusCode).toBe(404);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    const body = await answer.body.text();
    expect(body).not.toMatch(/revenue|ord_1|reports|payloads/);
  });

  it('answers 413 to a body over 1 MiB without calling the route', async () => {
    received.length = 0;
    const answer = await request(`${server.url}/webhooks/echo`, {
      method: 'POST',
      body: Buffer.alloc(1024 * 1024 + 1, 'x'),
    });
    expect(answer.statusCode).toBe(413);
    await answer.body.dump();
    expect(received).toHaveLength(0);
  });

  describe('with the registry answering for connections', () => {
    let registryShell: StartedServer;
    const states = new Map<string, 'active' | 'paused'>([
      ['shop-a', 'active'],
      ['shop-p', 'paused'],
    ]);
    let registryDown = false;
    const counters = defineWebhookCounters(new Counters());
    const platformCalls: string[] = [];

    beforeAll(async () => {
      registryShell = await listen(
        createConnectorHttpServer({
          logger: createLogger({ level: 'error' }),
          readiness: async () => ({ ready: true }),
          connectionState: async (id) => {
            if (registryDown) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
            return states.get(id);
          },
          counters,
          webhooks: { echo: async () => ({ status: 200, body: { received: true } }) },
          platformWebhooks: {
            'echo-connect': async (webhook) => {
              platformCalls.push(webhook.rawBody.toString());
              return { status: 200, body: { received: true } };
            },
          },
        }),
        0,
      );
    });
    afterAll(async () => {
      await registryShell.close();
    });

    const post = async (path: string) => {
      const answer = await request(`${registryShell.url}${path}`, { method: 'POST', body: 'x' });
      return { status: answer.statusCode, retryAfter: answer.headers['retry-after'], body: await answer.body.json() };
    };

    it('serves an active connection, 503 + Retry-After for a paused one, 404 for an unknown one, each counted', async () => {
      expect((await post('/webhooks/echo/shop-a')).status).toBe(200);
      expect(await post('/webhooks/echo/shop-p')).toMatchObject({ status: 503, retryAfter: '60' });
      expect((await post('/webhooks/echo/shop-zz')).status).toBe(404);
      expect(counters.get(C.unavailable, { source: 'echo', connection: 'shop-p', reason: 'paused' })).toBe(1);
      // Ids nobody registered are not labels: anyone could invent them.
      expect(counters.get(C.rejected, { source: 'echo', connection: 'unknown', reason: 'unknown_connection' })).toBe(1);
      expect(counters.toPrometheus()).not.toContain('shop-zz');
    });

    it('answers 503 when the registry cannot be read, so the sender retries', async () => {
      registryDown = true;
      try {
        expect((await post('/webhooks/echo/shop-a')).status).toBe(503);
      } finally {
        registryDown = false;
      }
      expect(
        counters.get(C.unavailable, { source: 'echo', connection: 'unknown', reason: 'registry_unavailable' }),
      ).toBe(1);
    });

    it('serves platform routes by exact name, POST only, without a connection id', async () => {
      expect((await post('/webhooks/echo-connect')).status).toBe(200);
      expect(platformCalls).toEqual(['x']);
      const get = await request(`${registryShell.url}/webhooks/echo-connect`);
      expect(get.statusCode).toBe(405);
      await get.body.dump();
      expect((await post('/webhooks/other-connect')).status).toBe(404);
      expect((await post('/webhooks/echo-connect/shop-a')).status).toBe(404);
    });
  });
});
