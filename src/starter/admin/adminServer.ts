import http from 'node:http';
import type { Logger } from '../../observability/logger';
import { answerCodec, codecCorsHeaders, codecPath, type CodecEndpointOptions } from '../http/codecEndpoint';
import { json, readLimitedBody } from '../http/io';
import type { AdminAuthenticator } from './authenticator';
import type { ConnectionsApi } from './connectionsApi';
import { isLoopbackHost } from './loopback';

/** A read-only page: reports, problems, metrics. */
export interface AdminPage {
  status: number;
  contentType: string;
  body: string;
}

export type AdminPageHandler = (request: http.IncomingMessage) => Promise<AdminPage>;

export interface AdminServerOptions {
  logger: Logger;
  authenticate: AdminAuthenticator;
  /** The report and problems pages by path, a connection's under /connections/<id>/ (ConnectorPages.handlerFor). */
  pages: { handlerFor(pathname: string): AdminPageHandler | undefined };
  /** GET /metrics: Prometheus text. */
  metrics: AdminPageHandler;
  /** /codec/encode and /codec/decode for the Temporal Web UI. */
  codec: CodecEndpointOptions;
  /**
   * Development only (`npm start`): the dev server's Web UI has no sign-in, so it cannot forward a
   * token; the codec routes then answer without one, to loopback callers from the CORS origins.
   * Decide it with `codecOpenInDevelopment`; every other route still needs a token.
   */
  codecWithoutToken?: boolean;
  /** /connections: the connection registry (connectionsApi.ts); unset: not served. */
  connections?: ConnectionsApi;
}

/**
 * Whether the codec may answer without a token: only in development mode, and only while the
 * admin listener is bound to a loopback address (nothing off this machine can reach it).
 */
export function codecOpenInDevelopment(mode: 'production' | 'development', adminHost: string): boolean {
  return mode === 'development' && isLoopbackHost(adminHost);
}

const UNAUTHORIZED = { error: 'authentication required' } as const;

/**
 * The admin listener (ADMIN_HOST:ADMIN_PORT, loopback by default): `/reports/latest`,
 * `/reports/<id>` (`.json` too), `/problems`, the same per connection under
 * `/connections/<id>/`, `/metrics`, `/codec/encode`, `/codec/decode`, and `/connections` when
 * given the registry (connectionsApi.ts). Every
 * request needs `Authorization: Bearer <ADMIN_TOKEN or an OIDC access token>`, checked before the
 * path is even looked at, so an unauthenticated caller learns nothing (not which pages exist):
 * 401 with `WWW-Authenticate: Bearer` and a fixed body. The exceptions: a CORS preflight of the
 * codec (browsers send no credentials there) and, in development on loopback, the codec itself.
 */
export function createAdminServer(options: AdminServerOptions): http.Server {
  const server = http.createServer((incoming, outgoing) => {
    handle(incoming, outgoing).catch((error: unknown) => {
      if (incoming.destroyed || outgoing.writableEnded || outgoing.destroyed) return;
      options.logger.error('admin request failed', { error, path: pathOnly(incoming.url) });
      if (!outgoing.headersSent) json(outgoing, 500, { error: 'internal error' });
      else outgoing.destroy();
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  return server;

  async function handle(incoming: http.IncomingMessage, outgoing: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(incoming.url ?? '/', 'http://admin');
    } catch {
      return unauthorized(outgoing);
    }
    const method = incoming.method ?? 'GET';
    const codecOperation = codecPath(url.pathname);
    const cors = codecOperation ? codecCorsHeaders(options.codec, incoming.headers.origin) : {};
    if (codecOperation && method === 'OPTIONS') {
      outgoing.writeHead(204, cors);
      outgoing.end();
      return;
    }

    const codecWithoutToken =
      codecOperation !== undefined && options.codecWithoutToken === true && openCodecCaller(incoming);
    if (!codecWithoutToken) {
      const identity = await options.authenticate(incoming.headers.authorization);
      if (!identity.ok) {
        // The reason helps an operator; the token never reaches the log.
        options.logger.info('admin request refused', {
          path: pathOnly(incoming.url),
          reason: identity.reason,
          remote: incoming.socket.remoteAddress,
        });
        return unauthorized(outgoing, cors);
      }
    }

    if (codecOperation) {
      const body = method === 'POST' ? await readLimitedBody(incoming) : Buffer.alloc(0);
      if (body === 'too_large')
        return json(outgoing, 413, { error: 'body exceeds 1 MiB' }, { ...cors, connection: 'close' });
      const answer = await answerCodec(options.codec, codecOperation, incoming, body);
      outgoing.writeHead(answer.status, answer.headers);
      outgoing.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
      return;
    }
    // A connection's pages (/connections/<id>/problems, /connections/<id>/reports/...) before the
    // registry API, which owns the rest of /connections (its routes never have these shapes).
    const page = url.pathname === '/metrics' ? options.metrics : options.pages.handlerFor(url.pathname);
    if (!page && options.connections?.handles(url.pathname)) {
      const body = method === 'POST' || method === 'PATCH' ? await readLimitedBody(incoming) : Buffer.alloc(0);
      if (body === 'too_large') return json(outgoing, 413, { error: 'body exceeds 1 MiB' }, { connection: 'close' });
      const answer = await options.connections.answer(method, url.pathname, body);
      return json(outgoing, answer.status, answer.body, { 'cache-control': 'no-store' });
    }
    if (!page) return json(outgoing, 404, { error: 'not found' });
    if (method !== 'GET' && method !== 'HEAD')
      return json(outgoing, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
    const answer = await page(incoming);
    outgoing.writeHead(answer.status, { 'content-type': answer.contentType, 'cache-control': 'no-store' });
    outgoing.end(method === 'HEAD' ? undefined : answer.body);
  }

  /** The development exception applies to loopback callers with no Origin (curl) or a Web UI origin. */
  function openCodecCaller(incoming: http.IncomingMessage): boolean {
    if (!isLoopbackHost(incoming.socket.remoteAddress ?? '')) return false;
    const origin = incoming.headers.origin;
    return origin === undefined || options.codec.corsOrigins.includes(origin);
  }
}

function unauthorized(outgoing: http.ServerResponse, headers: Record<string, string> = {}): void {
  json(outgoing, 401, UNAUTHORIZED, { ...headers, 'www-authenticate': 'Bearer', 'cache-control': 'no-store' });
}

/** The path without its query string: nothing a caller put in the query reaches the log. */
function pathOnly(target: string | undefined): string {
  return (target ?? '/').split('?')[0]!.slice(0, 200);
}
