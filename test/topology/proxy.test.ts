import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { freePort } from '../../dev/stack/freePort';
import { startRoundRobinProxy, type RoundRobinProxy } from '../../topology/proxy';

/**
 * The topology's load balancer, on real sockets: round robin across replicas, the body and headers
 * passed through as sent, a dead replica (connection refused) skipped, 502 when none answers.
 */
function replica(name: string): Promise<{ server: http.Server; port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = http.createServer((incoming, outgoing) => {
    let body = '';
    incoming.on('data', (chunk: Buffer) => (body += chunk.toString()));
    incoming.on('end', () => {
      seen.push(`${incoming.method} ${incoming.url} ${incoming.headers['stripe-signature'] ?? ''} ${body}`);
      outgoing.writeHead(200, { 'content-type': 'text/plain', 'x-replica': name });
      outgoing.end(name);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, seen })),
  );
}

async function post(url: string, body: string): Promise<{ status: number; replica: string | undefined }> {
  const answer = await request(url, { method: 'POST', body, headers: { 'stripe-signature': 't=1,v1=abc' } });
  const replicaName = answer.headers['x-replica'];
  await answer.body.text();
  return { status: answer.statusCode, replica: typeof replicaName === 'string' ? replicaName : undefined };
}

describe('topology load balancer', () => {
  let proxy: RoundRobinProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it('alternates between replicas and passes method, path, headers and body through', async () => {
    const [a, b] = await Promise.all([replica('a'), replica('b')]);
    proxy = await startRoundRobinProxy({ port: await freePort(), upstreamPorts: [a.port, b.port] });
    const answers = [];
    for (let index = 0; index < 4; index += 1)
      answers.push(await post(`${proxy.url}/webhooks/stripe`, `{"n":${index}}`));
    expect(answers.map((answer) => answer.replica)).toEqual(['a', 'b', 'a', 'b']);
    expect(a.seen).toEqual(['POST /webhooks/stripe t=1,v1=abc {"n":0}', 'POST /webhooks/stripe t=1,v1=abc {"n":2}']);
    expect(proxy.stats()).toEqual({ relayed: [2, 2], skippedDead: 0, badGateway: 0 });
    await Promise.all([a, b].map(({ server }) => new Promise((resolve) => server.close(resolve))));
  });

  it('skips a replica that refuses connections, and answers 502 when none is left', async () => {
    const live = await replica('live');
    const deadPort = await freePort();
    proxy = await startRoundRobinProxy({ port: await freePort(), upstreamPorts: [deadPort, live.port] });
    const answers = [await post(`${proxy.url}/x`, '1'), await post(`${proxy.url}/x`, '2')];
    expect(answers).toEqual([
      { status: 200, replica: 'live' },
      { status: 200, replica: 'live' },
    ]);
    expect(proxy.stats()).toEqual({ relayed: [0, 2], skippedDead: 1, badGateway: 0 });
    await new Promise((resolve) => live.server.close(resolve));
    expect((await post(`${proxy.url}/x`, '3')).status).toBe(502);
    expect(proxy.stats().badGateway).toBe(1);
  });
});
