import http from 'node:http';

/**
 * The load balancer in front of the webhook replicas: round robin, one request at a time per
 * choice. A replica that refuses the connection (killed, not yet back) is skipped and the next one
 * tried, as nginx does by default (`proxy_next_upstream error`): the request never reached it, so
 * sending it elsewhere is safe. A replica that fails after the request was sent (it died
 * mid-answer) gets a 502, because a balancer cannot know whether the replica acted on it; the
 * senders (Stripe, Monstock) retry a 502 like any failed delivery.
 */
export interface ProxyStats {
  /** Answers relayed, per replica (by index). */
  relayed: number[];
  /** Requests sent on to another replica because the one chosen refused the connection. */
  skippedDead: number;
  /** 502s answered: every replica refused, or one died after the request was sent. */
  badGateway: number;
}

export interface RoundRobinProxy {
  url: string;
  stats(): ProxyStats;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const UPSTREAM_TIMEOUT_MS = 30_000;

export async function startRoundRobinProxy(options: {
  port: number;
  upstreamPorts: readonly number[];
}): Promise<RoundRobinProxy> {
  const ports = [...options.upstreamPorts];
  if (ports.length === 0) throw new Error('the proxy needs at least one upstream');
  const stats: ProxyStats = { relayed: ports.map(() => 0), skippedDead: 0, badGateway: 0 };
  let next = 0;

  const server = http.createServer((incoming, outgoing) => {
    readBody(incoming).then(
      async (body) => {
        if (body === undefined) return answer(outgoing, 413, 'body too large');
        const first = next;
        next = (next + 1) % ports.length;
        for (let tried = 0; tried < ports.length; tried += 1) {
          const index = (first + tried) % ports.length;
          const result = await forward(ports[index]!, incoming, body, outgoing);
          if (result === 'relayed') {
            stats.relayed[index]! += 1;
            return;
          }
          if (result === 'failed') break;
          stats.skippedDead += 1;
        }
        stats.badGateway += 1;
        answer(outgoing, 502, 'bad gateway');
      },
      () => answer(outgoing, 400, 'unreadable request'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${options.port}`,
    stats: () => ({ ...stats, relayed: [...stats.relayed] }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** 'refused': nothing reached the replica, try another; 'failed': it may have acted, answer 502. */
function forward(
  port: number,
  incoming: http.IncomingMessage,
  body: Buffer,
  outgoing: http.ServerResponse,
): Promise<'relayed' | 'refused' | 'failed'> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: 'relayed' | 'refused' | 'failed') => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, 'content-length': String(body.length), connection: 'close' },
        timeout: UPSTREAM_TIMEOUT_MS,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const headers = { ...response.headers };
          delete headers['transfer-encoding'];
          delete headers.connection;
          outgoing.writeHead(response.statusCode ?? 502, headers);
          outgoing.end(Buffer.concat(chunks));
          settle('relayed');
        });
        response.on('error', () => settle('failed'));
      },
    );
    upstream.on('timeout', () => upstream.destroy(new Error('upstream timeout')));
    upstream.on('error', (error: NodeJS.ErrnoException) =>
      settle(error.code === 'ECONNREFUSED' ? 'refused' : 'failed'),
    );
    upstream.end(body);
  });
}

function readBody(incoming: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    incoming.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    incoming.on('error', reject);
  });
}

function answer(outgoing: http.ServerResponse, status: number, message: string): void {
  if (outgoing.headersSent) return void outgoing.destroy();
  outgoing.writeHead(status, { 'content-type': 'application/json' });
  outgoing.end(JSON.stringify({ error: message }));
}
