import type http from 'node:http';
import { context, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';

/**
 * A server span around every request `server` handles, active while its handlers run, so what
 * they do (signal-with-start of a workflow, calls to Stripe and Monstock) joins the request's
 * trace. Wraps the listeners already registered, so the server's code knows nothing of tracing.
 * Each request starts a new trace: a traceparent sent by the internet is not trusted. Only the
 * method, the path without its query and the status are recorded.
 */
export function traceHttpServer(server: http.Server, tracer: Tracer): void {
  const listeners = server.listeners('request') as Array<(req: http.IncomingMessage, res: http.ServerResponse) => void>;
  server.removeAllListeners('request');
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    const method = request.method ?? 'GET';
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const span = tracer.startSpan(`${method} ${path}`, {
      kind: SpanKind.SERVER,
      root: true,
      attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_PATH]: path },
    });
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode);
      if (response.statusCode >= 500 || !response.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    response.once('finish', end);
    response.once('close', end);
    context.with(trace.setSpan(context.active(), span), () => {
      for (const listener of listeners) listener.call(server, request, response);
    });
  });
}
