import http from 'node:http';
import { z } from 'zod';
import type { Logger } from '../../src/observability/logger';
import { type FaultController, faultSettingsSchema } from './faults';
import { HttpError, readBody, Router, send, type SandboxRequest, type SandboxResponse } from './http';
import type { OutboxStats } from './webhookOutbox';

/**
 * The HTTP shell both sandboxes share: body cap (413), the `/_sandbox` admin routes, and the
 * fault knobs applied to API routes only, so an operator can always reach the admin routes.
 */
export interface SandboxShellOptions {
  api: Router;
  faults: FaultController;
  logger: Logger;
  /** Paths under this prefix get the fault knobs and authentication. */
  apiPrefix: string;
  authenticate: (request: SandboxRequest) => SandboxResponse | undefined;
  /** How this sandbox phrases an error body (Monstock's and Stripe's differ). */
  errorBody: (status: number, code: string, message: string) => unknown;
  reset: () => void | Promise<void>;
  webhookStats: () => OutboxStats;
  /** Extra admin routes (seed data, completing a checkout, ...). */
  admin?: Router;
}

/** API requests served since start (admin routes under `/_sandbox/` are not counted). */
export interface RequestCounts {
  total: number;
  /** By `METHOD /first/two` path segments, e.g. `POST /v1/payment_intents`. */
  byRoute: Record<string, number>;
}

function routeKey(method: string, pathname: string): string {
  return `${method} /${pathname.split('/').filter(Boolean).slice(0, 2).join('/')}`;
}

export function createSandboxHttpServer(options: SandboxShellOptions): http.Server {
  const requests: RequestCounts = { total: 0, byRoute: {} };
  const adminRouter = new Router()
    .on('GET', '/_sandbox/requests', () => ({ status: 200, body: requests }))
    .on('GET', '/_sandbox/faults', () => ({ status: 200, body: options.faults.get() }))
    .on('GET', '/_sandbox/faults/injected', () => ({ status: 200, body: options.faults.injected() }))
    .on('POST', '/_sandbox/faults', (request) => {
      const parsed = faultSettingsSchema.safeParse(parseJsonBody(request.rawBody, options.errorBody));
      if (!parsed.success) {
        return { status: 400, body: options.errorBody(400, 'invalid_request', z.prettifyError(parsed.error)) };
      }
      options.faults.set(parsed.data);
      options.logger.info('fault knobs set', { faults: parsed.data });
      return { status: 200, body: options.faults.get() };
    })
    .on('POST', '/_sandbox/reset', async () => {
      await options.reset();
      options.logger.info('sandbox reset');
      return { status: 200, body: { reset: true } };
    })
    .on('GET', '/_sandbox/webhooks', () => ({ status: 200, body: options.webhookStats() }));

  // Every failure is answered inside `serve`, so the promise node's callback drops never rejects.
  return http.createServer((incoming, outgoing) => void serve(incoming, outgoing));

  async function serve(incoming: http.IncomingMessage, outgoing: http.ServerResponse): Promise<void> {
    try {
      const url = new URL(incoming.url ?? '/', 'http://sandbox');
      const method = incoming.method ?? 'GET';
      const body = await readBody(incoming);
      if (body === 'too_large') {
        send(outgoing, {
          status: 413,
          body: options.errorBody(413, 'payload_too_large', 'The request body exceeds 1 MiB.'),
        });
        return;
      }
      const isAdmin = url.pathname.startsWith('/_sandbox/');
      if (!isAdmin) {
        const key = routeKey(method, url.pathname);
        requests.total += 1;
        requests.byRoute[key] = (requests.byRoute[key] ?? 0) + 1;
      }
      const router = isAdmin
        ? options.admin && options.admin.match(method, url.pathname)
          ? options.admin
          : adminRouter
        : options.api;
      const found = router.match(method, url.pathname);
      if (!found) {
        send(outgoing, {
          status: 404,
          body: options.errorBody(404, 'not_found', `No route for ${method} ${url.pathname}.`),
        });
        return;
      }
      if (found === 'method_not_allowed') {
        send(outgoing, {
          status: 405,
          body: options.errorBody(405, 'method_not_allowed', `${method} is not allowed on ${url.pathname}.`),
        });
        return;
      }
      const request: SandboxRequest = {
        method,
        path: url.pathname,
        query: url.searchParams,
        params: found.params,
        headers: incoming.headers,
        rawBody: body,
      };
      if (!isAdmin && url.pathname.startsWith(options.apiPrefix)) {
        const refused = options.authenticate(request);
        if (refused) {
          send(outgoing, refused);
          return;
        }
        await options.faults.delay();
        const decision = options.faults.decide();
        if (decision.kind === 'rate_limited') {
          send(outgoing, {
            status: 429,
            headers: { 'retry-after': String(decision.retryAfterSeconds) },
            body: options.errorBody(429, 'rate_limited', 'Too many requests; retry after the given delay.'),
          });
          return;
        }
        if (decision.kind === 'server_error') {
          send(outgoing, {
            status: 500,
            body: options.errorBody(500, 'server_error', 'Injected server error (fault knob).'),
          });
          return;
        }
      }
      send(outgoing, await found.handler(request));
    } catch (error) {
      if (error instanceof HttpError) {
        send(outgoing, { status: error.status, body: error.body, headers: error.headers });
        return;
      }
      options.logger.error('sandbox handler failed', { error });
      send(outgoing, { status: 500, body: options.errorBody(500, 'server_error', 'Internal sandbox error.') });
    }
  }
}

/** Parses a JSON body or throws a 400 in the sandbox's own error shape. */
export function parseJsonBody(raw: Buffer, errorBody: SandboxShellOptions['errorBody']): unknown {
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, errorBody(400, 'invalid_request', 'The body is not valid JSON.'));
  }
}
