import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { clientOf } from '../sandbox/stripe/requestLog';
import { ArrivalWindows, type BusiestClockSecond, type BusiestWindow } from './arrivalWindows';

/**
 * The topology's Stripe edge: a counting reverse proxy between the connector's processes (workers,
 * webhook replicas, setup, the reconcile CLI) and the Stripe sandbox, in a process of its own, in
 * the place Stripe's own edge counts an account's requests. Each request is timestamped when it
 * arrives, before it is forwarded, per client (the app name a Stripe SDK sends in its User-Agent;
 * the connector's is `monstock-stripe`), and streamed through unchanged, headers included
 * (Authorization, Idempotency-Key, Stripe-Account); only hop-by-hop headers, which describe one
 * connection and not the request, are the edge's own. The sandbox, busy serving the shop, the
 * chaos driver and the checker too, stalls for hundreds of ms under load and then counts requests
 * sent evenly as arriving together; the edge does nothing else, and measures its own event-loop
 * delay so a reader knows how far its timestamps can be trusted. `GET /_edge/requests` answers
 * the counts, `GET /_edge/arrivals?client=NAME` one client's arrival times.
 */
export interface ClientCounts {
  total: number;
  byRoute: Record<string, number>;
  /** The busiest one-second window, wherever it starts (what a strict limiter bounds), with its arrivals. */
  window: BusiestWindow;
  /** The busiest clock second (a fixed-window count). */
  clockSecond: BusiestClockSecond;
}

/** `GET /_edge/arrivals?client=NAME`: every arrival time (Unix ms) of that client, in order. */
export interface ClientArrivals {
  client: string;
  times: number[];
}

export interface EdgeReading {
  byClient: Record<string, ClientCounts>;
  /** How late the edge's own event loop ran (ms): an arrival can be timestamped at most this late. */
  eventLoopDelayMs: { max: number; p99: number };
  /** Requests the sandbox could not be reached for (answered 502). */
  upstreamErrors: number;
}

export interface StripeEdge {
  url: string;
  read(): EdgeReading;
  close(): Promise<void>;
}

/** Describe one connection, not the request: each side of the edge has its own. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];
/** Fine enough to tell a few ms of lateness, cheap enough on a loaded host. */
const DELAY_RESOLUTION_MS = 5;
/** Bounded like the sandbox's log: only so many SDK callers exist. */
const MAX_CLIENTS = 50;

export async function startStripeEdge(options: {
  port: number;
  upstream: { host: string; port: number };
  now?: () => number;
}): Promise<StripeEdge> {
  const now = options.now ?? Date.now;
  const clients = new Map<string, { total: number; byRoute: Record<string, number>; windows: ArrivalWindows }>();
  let upstreamErrors = 0;
  const eventLoopDelay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  eventLoopDelay.enable();
  // Idle sockets are closed before the sandbox's own keep-alive timeout (Node's 5 s), so the edge
  // seldom reuses one the sandbox is closing at that moment (a reset, answered 502).
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: 4_000 });

  const count = (arrivedAt: number, incoming: http.IncomingMessage): void => {
    const pathname = new URL(incoming.url ?? '/', 'http://edge').pathname;
    const route = `${incoming.method ?? 'GET'} /${pathname.split('/').filter(Boolean).slice(0, 2).join('/')}`;
    let client = clientOf(incoming.headers['user-agent']);
    if (!clients.has(client) && clients.size >= MAX_CLIENTS) client = 'unnamed';
    let counts = clients.get(client);
    if (!counts) {
      counts = { total: 0, byRoute: {}, windows: new ArrivalWindows() };
      clients.set(client, counts);
    }
    counts.total += 1;
    counts.byRoute[route] = (counts.byRoute[route] ?? 0) + 1;
    counts.windows.add(arrivedAt, route);
  };

  const read = (): EdgeReading => {
    const byClient: Record<string, ClientCounts> = {};
    for (const [client, counts] of clients) {
      const { window, clockSecond } = counts.windows.read();
      byClient[client] = { total: counts.total, byRoute: { ...counts.byRoute }, window, clockSecond };
    }
    return {
      byClient,
      eventLoopDelayMs: { max: lateness(eventLoopDelay.max), p99: lateness(eventLoopDelay.percentile(99)) },
      upstreamErrors,
    };
  };

  const server = http.createServer((incoming, outgoing) => {
    // First, before anything else is done with the request: its arrival as the edge saw it.
    const arrivedAt = now();
    if (incoming.url?.startsWith('/_edge/') && incoming.method === 'GET') {
      const url = new URL(incoming.url, 'http://edge');
      const client = url.searchParams.get('client') ?? '';
      const body =
        url.pathname === '/_edge/requests'
          ? read()
          : url.pathname === '/_edge/arrivals'
            ? ({ client, times: clients.get(client)?.windows.arrivalTimes() ?? [] } satisfies ClientArrivals)
            : undefined;
      outgoing.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
      outgoing.end(JSON.stringify(body ?? { error: 'no such edge route' }));
      return;
    }
    count(arrivedAt, incoming);
    const upstream = http.request(
      {
        host: options.upstream.host,
        port: options.upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: withoutHopByHop(incoming.headers),
        agent,
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, withoutHopByHop(response.headers));
        response.pipe(outgoing);
      },
    );
    upstream.on('error', () => {
      upstreamErrors += 1;
      if (!outgoing.headersSent) {
        outgoing.writeHead(502, { 'content-type': 'application/json' });
        outgoing.end(JSON.stringify({ error: { type: 'api_error', message: 'the Stripe edge reached no upstream' } }));
      } else outgoing.destroy();
    });
    // A client that gave up (its own timeout) takes the forwarded request down with it.
    outgoing.on('close', () => {
      if (!outgoing.writableFinished) upstream.destroy();
    });
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  // Stalls while starting (loading, compiling) happen before any request can arrive.
  eventLoopDelay.reset();
  return {
    url: `http://127.0.0.1:${options.port}`,
    read,
    close: () =>
      new Promise<void>((resolve) => {
        eventLoopDelay.disable();
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const kept: http.OutgoingHttpHeaders = { ...headers };
  for (const name of HOP_BY_HOP) delete kept[name];
  return kept;
}

/**
 * How late the loop ran (ms), from a sample of the delay histogram: it records the interval between
 * its timer's runs, which is the resolution itself on an idle loop.
 */
function lateness(sampleNs: number): number {
  return Math.max(0, Math.round(sampleNs / 1e6 - DELAY_RESOLUTION_MS));
}
