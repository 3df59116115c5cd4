import http from 'node:http';
import type { Logger } from '../../observability/logger';
import { answerCodec, codecPath, type CodecEndpointOptions } from './codecEndpoint';

/**
 * The connector's thin HTTP shell: health probes and the webhook routes. Webhook routes get the
 * raw body (signatures are computed over bytes, not over re-serialised JSON), capped at 1 MiB.
 */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

export interface WebhookRequest {
  connectionId: string;
  headers: http.IncomingHttpHeaders;
  rawBody: Buffer;
}

export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export type WebhookRoute = (request: WebhookRequest) => Promise<WebhookAnswer>;

export interface ConnectorHttpServerOptions {
  logger: Logger;
  readiness: () => Promise<{ ready: boolean; reason?: string }>;
  /** Webhook routes by source, e.g. { stripe, monstock }: served at /webhooks/<source>[/<connectionId>]. */
  webhooks: Record<string, WebhookRoute>;
  /** Connection ids this deployment serves; a path naming another one is a 404. */
  connectionIds: readonly string[];
  /** Serves /codec/encode and /codec/decode for the Web UI when set. */
  codec?: CodecEndpointOptions;
  /** Extra read-only pages (reports, problems) keyed by path. */
  pages?: Record<
    string,
    (request: http.IncomingMessage) => Promise<{ status: number; contentType: string; body: string }>
  >;
}

const WEBHOOK_PATH = /^\/webhooks\/([a-z]+)(?:\/([a-z0-9][a-z0-9-]{0,31}))?\/?$/;

export function createConnectorHttpServer(options: ConnectorHttpServerOptions): http.Server {
  const server = http.createServer((incoming, outgoing) => {
    handle(incoming, outgoing).catch((error: unknown) => {
      // A client that broke off mid-body (Node has answered it already) is not our failure.
      if (incoming.destroyed || outgoing.writableEnded || outgoing.destroyed) {
        options.logger.debug('client went away mid-request', { path: incoming.url, error });
        return;
      }
      options.logger.error('request failed', { error, path: incoming.url });
      if (!outgoing.headersSent) json(outgoing, 500, { error: 'internal error' });
      else outgoing.destroy();
    });
  });
  // Stripe waits at most a few seconds; a slow client must not hold a socket for minutes.
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 65_000;
  return server;

  async function handle(incoming: http.IncomingMessage, outgoing: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(incoming.url ?? '/', 'http://connector');
    } catch {
      // An absolute-form target that is no URL ("POST http://[x/… HTTP/1.1"): the client's fault.
      return json(outgoing, 400, { error: 'bad request target' });
    }
    const method = incoming.method ?? 'GET';
    if (url.pathname === '/healthz') return json(outgoing, 200, { status: 'ok' });
    if (url.pathname === '/readyz') {
      const readiness = await options.readiness();
      return json(
        outgoing,
        readiness.ready ? 200 : 503,
        readiness.ready ? { status: 'ready' } : { status: 'not ready', reason: readiness.reason },
      );
    }
    const codecOperation = options.codec ? codecPath(url.pathname) : undefined;
    if (options.codec && codecOperation) {
      const body = method === 'POST' ? await readLimitedBody(incoming) : Buffer.alloc(0);
      if (body === 'too_large') return json(outgoing, 413, { error: 'body exceeds 1 MiB' }, { connection: 'close' });
      const answer = await answerCodec(options.codec, codecOperation, incoming, body);
      outgoing.writeHead(answer.status, answer.headers);
      outgoing.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
      return;
    }
    const page = options.pages?.[url.pathname];
    if (page && method === 'GET') {
      const answer = await page(incoming);
      outgoing.writeHead(answer.status, { 'content-type': answer.contentType });
      outgoing.end(answer.body);
      return;
    }
    const match = WEBHOOK_PATH.exec(url.pathname);
    const route = match ? options.webhooks[match[1]!] : undefined;
    if (!match || !route) return json(outgoing, 404, { error: 'not found' });
    if (method !== 'POST') return json(outgoing, 405, { error: 'method not allowed' }, { allow: 'POST' });
    const connectionId = match[2] ?? 'default';
    if (!options.connectionIds.includes(connectionId))
      return json(outgoing, 404, { error: `unknown connection ${connectionId}` });
    const body = await readLimitedBody(incoming);
    if (body === 'too_large') return json(outgoing, 413, { error: 'body exceeds 1 MiB' }, { connection: 'close' });
    const answer = await route({ connectionId, headers: incoming.headers, rawBody: body });
    json(outgoing, answer.status, answer.body, answer.headers);
  }
}

function json(
  outgoing: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  outgoing.writeHead(status, { 'content-type': 'application/json', ...headers });
  outgoing.end(JSON.stringify(body));
}

function readLimitedBody(incoming: http.IncomingMessage): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    if (Number(incoming.headers['content-length'] ?? 0) > MAX_WEBHOOK_BODY_BYTES) {
      incoming.resume();
      resolve('too_large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_WEBHOOK_BODY_BYTES) chunks.push(chunk);
    });
    incoming.on('end', () => resolve(size > MAX_WEBHOOK_BODY_BYTES ? 'too_large' : Buffer.concat(chunks)));
    incoming.on('error', reject);
  });
}
