import http from 'node:http';
import type { Logger } from '../../observability/logger';
import { json, MAX_BODY_BYTES, readLimitedBody } from './io';

/**
 * The connector's public HTTP shell: the webhook routes and the health probes, nothing else.
 * Reports, problems, metrics and the codec live on the admin listener (src/starter/admin), never
 * on this port. Webhook routes get the raw body (signatures are computed over bytes, not over
 * re-serialised JSON), capped at 1 MiB.
 */
export const MAX_WEBHOOK_BODY_BYTES = MAX_BODY_BYTES;

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
