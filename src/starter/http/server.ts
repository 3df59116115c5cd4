import http from 'node:http';
import { WEBHOOK_COUNTERS as C, type Counters } from '../../observability/counters';
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

/** A route for the whole platform, not one connection (`/webhooks/stripe-connect`): it finds the connection itself. */
export type PlatformWebhookRoute = (request: Omit<WebhookRequest, 'connectionId'>) => Promise<WebhookAnswer>;

/** Whether a connection is served now: `paused` answers 503 so senders retry; undefined (unknown) answers 404. */
export type ConnectionState = (connectionId: string) => Promise<'active' | 'paused' | undefined>;

/** Senders retry a paused connection's events after this long (Stripe and Monstock back off on their own too). */
export const PAUSED_RETRY_AFTER_SECONDS = 60;

export interface ConnectorHttpServerOptions {
  logger: Logger;
  readiness: () => Promise<{ ready: boolean; reason?: string }>;
  /** Webhook routes by source, e.g. { stripe, monstock }: served at /webhooks/<source>[/<connectionId>]. */
  webhooks: Record<string, WebhookRoute>;
  /** Platform routes by exact name, e.g. { 'stripe-connect' }: served at /webhooks/<name>. */
  platformWebhooks?: Record<string, PlatformWebhookRoute>;
  /** A fixed list of connection ids this deployment serves; a path naming another one is a 404. */
  connectionIds?: readonly string[];
  /** Or the registry's answer, asked for every request (cached there); wins over `connectionIds`. */
  connectionState?: ConnectionState;
  /** Counts unknown (404) and paused (503) connections, labelled with the path's source and connection. */
  counters?: Counters;
}

const WEBHOOK_PATH = /^\/webhooks\/([a-z]+)(?:\/([a-z0-9][a-z0-9-]{0,31}))?\/?$/;
const PLATFORM_PATH = /^\/webhooks\/([a-z]+-[a-z]+)\/?$/;

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

  async function stateOf(connectionId: string): Promise<'active' | 'paused' | undefined> {
    if (options.connectionState) return options.connectionState(connectionId);
    return options.connectionIds?.includes(connectionId) ? 'active' : undefined;
  }

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
    const platform = PLATFORM_PATH.exec(url.pathname);
    const platformRoute = platform ? options.platformWebhooks?.[platform[1]!] : undefined;
    if (platformRoute) {
      if (method !== 'POST') return json(outgoing, 405, { error: 'method not allowed' }, { allow: 'POST' });
      const body = await readLimitedBody(incoming);
      if (body === 'too_large') return json(outgoing, 413, { error: 'body exceeds 1 MiB' }, { connection: 'close' });
      const answer = await platformRoute({ headers: incoming.headers, rawBody: body });
      return json(outgoing, answer.status, answer.body, answer.headers);
    }
    const match = WEBHOOK_PATH.exec(url.pathname);
    const route = match ? options.webhooks[match[1]!] : undefined;
    if (!match || !route) return json(outgoing, 404, { error: 'not found' });
    if (method !== 'POST') return json(outgoing, 405, { error: 'method not allowed' }, { allow: 'POST' });
    const connectionId = match[2] ?? 'default';
    const source = match[1]!;
    let state: 'active' | 'paused' | undefined;
    try {
      state = await stateOf(connectionId);
    } catch (error) {
      // The registry's database is away: the sender keeps the event and retries.
      options.logger.warn('connection registry unreadable: answering 503', { connectionId, error });
      options.counters?.inc(C.unavailable, { source, connection: 'unknown', reason: 'registry_unavailable' });
      return json(outgoing, 503, { error: 'temporarily unavailable, retry later' });
    }
    if (state === undefined) {
      // A final answer: no retry makes an unknown connection known (a removed one stays removed). Not
      // labelled with the path's id: anyone can invent ids, and each would become a series of its own.
      options.counters?.inc(C.rejected, { source, connection: 'unknown', reason: 'unknown_connection' });
      return json(outgoing, 404, { error: `unknown connection ${connectionId}` });
    }
    if (state === 'paused') {
      // Not read, not lost: the sender keeps the event and delivers it again once the connection resumes.
      options.counters?.inc(C.unavailable, { source, connection: connectionId, reason: 'paused' });
      return json(
        outgoing,
        503,
        { error: `connection ${connectionId} is paused, retry later` },
        { 'retry-after': String(PAUSED_RETRY_AFTER_SECONDS) },
      );
    }
    const body = await readLimitedBody(incoming);
    if (body === 'too_large') return json(outgoing, 413, { error: 'body exceeds 1 MiB' }, { connection: 'close' });
    const answer = await route({ connectionId, headers: incoming.headers, rawBody: body });
    json(outgoing, answer.status, answer.body, answer.headers);
  }
}
