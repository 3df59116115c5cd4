import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { context, SpanKind, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';

/**
 * A client span for every outgoing HTTP call (Monstock through undici, Stripe through node:http),
 * from Node's diagnostics channels, so no client code knows about tracing. Spans carry the
 * method, host, port, path without its query and the status: never the query string, headers or
 * bodies, where keys and personal data travel. Returns the unsubscribe function.
 */
export function subscribeHttpClientSpans(tracer: Tracer): () => void {
  const undiciSpans = new WeakMap<object, Span>();
  const nodeSpans = new WeakMap<ClientRequest, Span>();

  const subscriptions: Array<[string, (message: unknown) => void]> = [
    [
      'undici:request:create',
      (message) => {
        const { request } = message as { request: UndiciRequest };
        const url = safeUrl(request.origin);
        if (!url) return;
        undiciSpans.set(request, startClientSpan(tracer, request.method, url, request.path));
      },
    ],
    [
      'undici:request:headers',
      (message) => {
        const { request, response } = message as { request: UndiciRequest; response: { statusCode: number } };
        endWithStatus(undiciSpans.get(request), response.statusCode);
        undiciSpans.delete(request);
      },
    ],
    [
      'undici:request:error',
      (message) => {
        const { request, error } = message as { request: UndiciRequest; error: unknown };
        endWithError(undiciSpans.get(request), error);
        undiciSpans.delete(request);
      },
    ],
    [
      'http.client.request.start',
      (message) => {
        const { request } = message as { request: ClientRequest };
        // The Host header carries the port too; the request's other headers are never read.
        const host = request.getHeader('host');
        const url = safeUrl(`${request.protocol}//${typeof host === 'string' ? host : request.host}`);
        if (!url) return;
        nodeSpans.set(request, startClientSpan(tracer, request.method, url, request.path));
        // No error channel for node:http on Node 20: an aborted or failed request ends here.
        request.once('error', (error) => {
          endWithError(nodeSpans.get(request), error);
          nodeSpans.delete(request);
        });
      },
    ],
    [
      'http.client.response.finish',
      (message) => {
        const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
        endWithStatus(nodeSpans.get(request), response.statusCode ?? 0);
        nodeSpans.delete(request);
      },
    ],
  ];
  for (const [channel, handler] of subscriptions) diagnostics.subscribe(channel, handler);
  return () => {
    for (const [channel, handler] of subscriptions) diagnostics.unsubscribe(channel, handler);
  };
}

interface UndiciRequest {
  origin: string;
  method: string;
  path: string;
}

function startClientSpan(tracer: Tracer, method: string, origin: URL, pathAndQuery: string): Span {
  const path = pathAndQuery.split('?')[0] ?? '/';
  const port = origin.port ? Number(origin.port) : origin.protocol === 'https:' ? 443 : 80;
  // The active context here is the caller's (an activity's span), so the call nests under it.
  return tracer.startSpan(
    `${method} ${origin.hostname}${path}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: method,
        [ATTR_SERVER_ADDRESS]: origin.hostname,
        [ATTR_SERVER_PORT]: port,
        [ATTR_URL_PATH]: path,
      },
    },
    context.active(),
  );
}

function endWithStatus(span: Span | undefined, statusCode: number): void {
  if (!span) return;
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
  if (statusCode >= 400) {
    span.setAttribute(ATTR_ERROR_TYPE, String(statusCode));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

function endWithError(span: Span | undefined, error: unknown): void {
  if (!span) return;
  // The error's class only: messages of network errors may quote URLs with their query.
  span.setAttribute(ATTR_ERROR_TYPE, error instanceof Error ? error.name : 'error');
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

function safeUrl(origin: string): URL | undefined {
  try {
    return new URL(origin);
  } catch {
    return undefined;
  }
}
