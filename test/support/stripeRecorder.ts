import http from 'node:http';
import type net from 'node:net';

/**
 * A recording proxy in front of stripe-mock: the contract tests point the connector's Stripe
 * client at it and then assert on exactly what went over the wire (method, path, decoded query
 * and form body, idempotency key, API version) and on stripe-mock's verdict, since stripe-mock
 * itself is stateless and answers fixtures that say little about the request.
 */
export interface RecordedStripeRequest {
  method: string;
  path: string;
  /** The query string, decoded from Stripe's bracket notation (`a[b][0]=x` → `{ a: { b: ['x'] } }`). */
  query: Record<string, unknown>;
  /** The form body, decoded the same way ({} when there is none). */
  body: Record<string, unknown>;
  idempotencyKey: string | undefined;
  stripeVersion: string | undefined;
  /** stripe-mock's status code (undefined until it answered). */
  status?: number;
  /** stripe-mock's answer, parsed. */
  response?: unknown;
}

export interface StripeRecorder {
  /** Base URL to give the Stripe client. */
  url: string;
  /** Everything recorded since the last take, in the order the requests arrived; clears the record. */
  take(): RecordedStripeRequest[];
  close(): Promise<void>;
}

export async function startStripeRecorder(upstreamPort: number): Promise<StripeRecorder> {
  let recorded: RecordedStripeRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://recorder');
      const entry: RecordedStripeRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: decodeStripeForm(url.searchParams),
        body: raw.length > 0 ? decodeStripeForm(new URLSearchParams(raw.toString('utf8'))) : {},
        idempotencyKey: header(req.headers['idempotency-key']),
        stripeVersion: header(req.headers['stripe-version']),
      };
      recorded.push(entry);
      const upstream = http.request(
        {
          host: '127.0.0.1',
          port: upstreamPort,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: `127.0.0.1:${upstreamPort}` },
        },
        (answer) => {
          const answerChunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => answerChunks.push(chunk));
          answer.on('end', () => {
            const text = Buffer.concat(answerChunks);
            entry.status = answer.statusCode;
            try {
              entry.response = JSON.parse(text.toString('utf8'));
            } catch {
              entry.response = text.toString('utf8');
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(text);
          });
        },
      );
      upstream.on('error', (error) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`recorder: ${error.message}`);
      });
      upstream.end(raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    take: () => {
      const taken = recorded;
      recorded = [];
      return taken;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** Stripe's form encoding back into objects: `a[b]=1&c[0]=x&c[1]=y` → `{ a: { b: '1' }, c: ['x', 'y'] }`. */
export function decodeStripeForm(params: URLSearchParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of params) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
    if (!match) throw new Error(`recorder: cannot decode form key ${key}`);
    const segments = [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)];
    let node = root;
    segments.forEach((segment, index) => {
      if (index === segments.length - 1) {
        if (segment in node) throw new Error(`recorder: form key ${key} sent twice`);
        node[segment] = value;
      } else {
        const next = node[segment];
        if (typeof next === 'string') throw new Error(`recorder: form key ${key} is both a value and an object`);
        node = (next as Record<string, unknown> | undefined) ?? (node[segment] = {});
      }
    });
  }
  return arrayify(root) as Record<string, unknown>;
}

function arrayify(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  const entries = keys.map((key) => [key, arrayify(object[key])] as const);
  if (keys.length > 0 && keys.every((key, index) => key === String(index))) return entries.map(([, item]) => item);
  return Object.fromEntries(entries);
}
