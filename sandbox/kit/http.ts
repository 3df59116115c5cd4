import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The minimum HTTP plumbing both sandboxes need: a router with path parameters, bodies read
 * with a size cap, JSON answers. Plain `node:http` keeps the sandboxes dependency-free and fast.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface SandboxRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  rawBody: Buffer;
}

export interface SandboxResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (request: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  on(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const source = path.replace(/:([A-Za-z_]+)/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}/?$`), names, handler });
    return this;
  }

  /** Finds the handler, or tells whether the path exists with another method (405 vs 404). */
  match(
    method: string,
    path: string,
  ): { handler: Handler; params: Record<string, string> } | 'method_not_allowed' | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const found = route.pattern.exec(path);
      if (!found) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, index) => {
        params[name] = decodePathSegment(found[index + 1] ?? '');
      });
      return { handler: route.handler, params };
    }
    return pathMatched ? 'method_not_allowed' : undefined;
  }
}

/** A malformed escape (`%E0%A4%A`) stays as sent: a lookup then misses (404) instead of throwing (500). */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function readBody(request: http.IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? '0');
    if (declared > limit) {
      request.resume();
      resolve('too_large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? 'too_large' : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export function send(response: http.ServerResponse, answer: SandboxResponse): void {
  const headers: Record<string, string> = { ...answer.headers };
  let payload: string | Buffer | undefined;
  if (answer.body !== undefined) {
    if (Buffer.isBuffer(answer.body) || typeof answer.body === 'string') payload = answer.body;
    else {
      payload = JSON.stringify(answer.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  response.writeHead(answer.status, headers);
  response.end(payload);
}

export interface StartedServer {
  server: http.Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 unless told otherwise; port 0 picks a free one (tests). */
export async function listen(server: http.Server, port: number, host = '127.0.0.1'): Promise<StartedServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    server,
    port: actualPort,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
