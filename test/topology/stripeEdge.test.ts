import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { freePort } from '../../dev/stack/freePort';
import { startStripeEdge, type EdgeReading, type StripeEdge } from '../../topology/stripeEdge';
import { edgeArrivalsAllowed, shortestSpanMs } from '../../topology/stripeRate';

/**
 * The topology's Stripe edge, on real sockets: requests and answers streamed through unchanged
 * (the headers Stripe acts on included), each counted on arrival per client over any one-second
 * window and per clock second, its own route neither forwarded nor counted, and a 502 (counted)
 * when the sandbox cannot be reached.
 */
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function upstream(): Promise<{ server: http.Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((incoming, outgoing) => {
    let body = '';
    incoming.on('data', (chunk: Buffer) => (body += chunk.toString()));
    incoming.on('end', () => {
      seen.push({ method: incoming.method ?? '', url: incoming.url ?? '', headers: incoming.headers, body });
      outgoing.writeHead(402, { 'content-type': 'application/json', 'request-id': 'req_123' });
      outgoing.end(JSON.stringify({ error: { type: 'card_error' }, echoed: body.length }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, seen })),
  );
}

const CONNECTOR_UA = 'Stripe/v1 NodeBindings/18.0.0 monstock-stripe/1.0.0';
const SHOP_UA = 'Stripe/v1 NodeBindings/18.0.0';

async function send(edge: StripeEdge, path: string, userAgent: string): Promise<number> {
  const answer = await request(`${edge.url}${path}`, { headers: { 'user-agent': userAgent } });
  await answer.body.text();
  return answer.statusCode;
}

async function reading(edge: StripeEdge): Promise<EdgeReading> {
  const answer = await request(`${edge.url}/_edge/requests`);
  return (await answer.body.json()) as EdgeReading;
}

describe('topology Stripe edge', () => {
  let edge: StripeEdge | undefined;
  let sandbox: Awaited<ReturnType<typeof upstream>> | undefined;
  afterEach(async () => {
    await edge?.close();
    edge = undefined;
    sandbox?.server.closeAllConnections();
    await new Promise((resolve) => sandbox?.server.close(resolve) ?? resolve(undefined));
    sandbox = undefined;
  });

  it('passes requests and answers through unchanged, headers and body included', async () => {
    sandbox = await upstream();
    edge = await startStripeEdge({ port: await freePort(), upstream: { host: '127.0.0.1', port: sandbox.port } });
    const body = 'amount=1200&currency=eur&metadata[monstock_order_id]=ord_1';
    // Everything the connector's calls carry that Stripe reads: each must reach the sandbox as sent.
    const headers = {
      authorization: 'Bearer sk_test_edge',
      'idempotency-key': 'idem-1',
      'stripe-account': 'acct_1',
      'stripe-version': '2025-01-27.acacia',
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': CONNECTOR_UA,
    };
    const answer = await request(`${edge.url}/v1/payment_intents?expand[]=latest_charge`, {
      method: 'POST',
      body,
      headers,
    });
    expect(answer.statusCode).toBe(402);
    expect(answer.headers['request-id']).toBe('req_123');
    expect(await answer.body.json()).toEqual({ error: { type: 'card_error' }, echoed: body.length });
    expect(sandbox.seen).toHaveLength(1);
    const seen = sandbox.seen[0]!;
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/v1/payment_intents?expand[]=latest_charge');
    expect(seen.body).toBe(body);
    expect(seen.headers).toMatchObject(headers);
  });

  it('counts arrivals per client over any one-second window and per clock second', async () => {
    sandbox = await upstream();
    let now = 10_000;
    edge = await startStripeEdge({
      port: await freePort(),
      upstream: { host: '127.0.0.1', port: sandbox.port },
      now: () => now,
    });
    // 25 evenly over a second: 25 in any window, never 26.
    for (let i = 0; i < 50; i += 1) {
      now = 10_000 + i * 40;
      await send(edge, '/v1/charges', CONNECTOR_UA);
    }
    expect((await reading(edge)).byClient['monstock-stripe']?.window.count).toBe(25);
    // Then 10 in the last 100 ms of a clock second and 10 in the first 100 ms of the next: a clock
    // second sees 10 of them, a window starting anywhere sees 20.
    for (let i = 0; i < 20; i += 1) {
      now = 20_900 + i * 10;
      await send(edge, '/v1/refunds', CONNECTOR_UA);
    }
    await send(edge, '/v1/charges', SHOP_UA);
    const counts = await reading(edge);
    const connector = counts.byClient['monstock-stripe']!;
    expect(connector.total).toBe(70);
    expect(connector.byRoute).toEqual({ 'GET /v1/charges': 50, 'GET /v1/refunds': 20 });
    expect(connector.window.count).toBe(25);
    expect(connector.clockSecond.count).toBe(25);
    expect(counts.byClient.unnamed?.total).toBe(1);
    // The edge's own route is neither forwarded nor counted.
    expect(sandbox.seen).toHaveLength(71);
    expect(counts.eventLoopDelayMs.max).toBeGreaterThanOrEqual(0);

    for (let i = 0; i < 30; i += 1) {
      now = 30_000 + i * 20;
      await send(edge, '/v1/payment_intents', CONNECTOR_UA);
    }
    const burst = (await reading(edge)).byClient['monstock-stripe']!.window;
    expect(burst.count).toBe(30);
    expect(burst.arrivals[0]).toEqual({ atMs: 0, route: 'GET /v1/payment_intents' });
    expect(burst.arrivals[29]).toEqual({ atMs: 580, route: 'GET /v1/payment_intents' });

    // Every arrival time, per client, for a reader to measure how close the count came to more.
    const arrivals = await request(`${edge.url}/_edge/arrivals?client=monstock-stripe`);
    const { times } = (await arrivals.body.json()) as { times: number[] };
    expect(times).toHaveLength(100);
    expect(times.slice(0, 3)).toEqual([10_000, 10_040, 10_080]);
    expect(shortestSpanMs(times, 26)).toBe(500);
  });

  it('answers 502 and counts it when the sandbox cannot be reached', async () => {
    edge = await startStripeEdge({ port: await freePort(), upstream: { host: '127.0.0.1', port: await freePort() } });
    expect(await send(edge, '/v1/charges', CONNECTOR_UA)).toBe(502);
    const counts = await reading(edge);
    expect(counts.upstreamErrors).toBe(1);
    expect(counts.byClient['monstock-stripe']?.total).toBe(1);
  });
});

describe('the shortest span of a number of arrivals', () => {
  it('is under 1000 ms exactly when a one-second window holds that many', () => {
    const even = Array.from({ length: 100 }, (_, i) => i * 40);
    // 25 a second: 26 arrivals take 1000 ms, so no window (the 1000 ms ending at an arrival) holds 26.
    expect(shortestSpanMs(even, 26)).toBe(1000);
    expect(shortestSpanMs(even, 25)).toBe(960);
    // One more among them: 26 within the 960 ms of 25 even ones.
    const crowded = [...even, 1999].sort((a, b) => a - b);
    expect(shortestSpanMs(crowded, 26)).toBe(960);
    expect(shortestSpanMs(even.slice(0, 10), 26)).toBeNull();
  });
});

describe('the arrivals the edge may count with the budget kept', () => {
  it('is the limit itself for stalls of a few ms, widened only by a long stall of the edge', () => {
    expect(edgeArrivalsAllowed(25, 0)).toBe(25);
    expect(edgeArrivalsAllowed(25, 10)).toBe(25);
    expect(edgeArrivalsAllowed(25, 39)).toBe(25);
    expect(edgeArrivalsAllowed(25, 40)).toBe(26);
    expect(edgeArrivalsAllowed(25, 531)).toBe(38);
  });
});
