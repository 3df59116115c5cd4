import { request } from 'undici';
import { listen, type StartedServer } from '../../sandbox/kit/http';
import { createLogger } from '../../src/observability/logger';
import { createTemporalReadiness } from '../../src/starter/http/readiness';
import { createConnectorHttpServer, type WebhookRequest } from '../../src/starter/http/server';
import { Client, Connection } from '@temporalio/client';
import { connectTestClient } from '../support/temporal';

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
});
