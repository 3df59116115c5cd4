import type http from 'node:http';
import { presentedToken } from './auth';
import type { TenantRegistry } from './tenants';

/**
 * `GET /_sandbox/requests`: the API requests the sandbox received, counted on arrival as the
 * shared shell counts them (`total`, `byRoute`), plus the tenant each acted for (recorded once
 * answered), so a test can check isolation from the sandbox's own records rather than from what
 * a client says it sent. `recent` keeps the latest requests with their status (in memory, capped).
 */
export interface LoggedRequest {
  method: string;
  path: string;
  /** The tenant whose token was presented; null when no known token was. */
  tenantId: string | null;
  status: number;
}

export interface RequestLogReading {
  total: number;
  byRoute: Record<string, number>;
  byTenant: Record<string, number>;
  recent: LoggedRequest[];
}

const RECENT_LIMIT = 1000;

/** `METHOD /first/two` path segments, as the shell names routes (e.g. `POST /v1/orders`). */
function routeKey(method: string, pathname: string): string {
  return `${method} /${pathname.split('/').filter(Boolean).slice(0, 2).join('/')}`;
}

export class RequestLog {
  private total = 0;
  private readonly byRoute: Record<string, number> = {};
  private readonly byTenant: Record<string, number> = {};
  private readonly recent: LoggedRequest[] = [];

  constructor(private readonly tenants: TenantRegistry) {}

  observe(request: http.IncomingMessage, response: http.ServerResponse): void {
    const pathname = new URL(request.url ?? '/', 'http://sandbox').pathname;
    if (pathname.startsWith('/_sandbox/')) return;
    const method = request.method ?? 'GET';
    const key = routeKey(method, pathname);
    this.total += 1;
    this.byRoute[key] = (this.byRoute[key] ?? 0) + 1;
    const token = presentedToken(request.headers);
    response.once('finish', () => {
      const tenantId = token === undefined ? null : (this.tenants.byToken(token)?.id ?? null);
      if (tenantId) this.byTenant[tenantId] = (this.byTenant[tenantId] ?? 0) + 1;
      this.recent.push({ method, path: pathname, tenantId, status: response.statusCode });
      if (this.recent.length > RECENT_LIMIT) this.recent.splice(0, this.recent.length - RECENT_LIMIT);
    });
  }

  read(): RequestLogReading {
    return {
      total: this.total,
      byRoute: { ...this.byRoute },
      byTenant: { ...this.byTenant },
      recent: [...this.recent],
    };
  }
}
