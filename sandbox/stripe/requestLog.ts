import type http from 'node:http';
import { claimedAccount } from './accountScope';

/**
 * `GET /_sandbox/requests`: the API requests the sandbox received, counted on arrival as the
 * shared shell counts them (`total`, `byRoute`), plus which account each was for (recorded once
 * answered), so a test can check isolation from the sandbox's own records rather than from what
 * a client says it sent.
 * `recent` keeps the latest requests with their answer's status (kept in memory, capped).
 */
export interface LoggedRequest {
  method: string;
  path: string;
  /** The `Stripe-Account` header when sent, else the key's own account; null for a refused key. */
  account: string | null;
  status: number;
}

export interface RequestLogReading {
  total: number;
  byRoute: Record<string, number>;
  byAccount: Record<string, number>;
  recent: LoggedRequest[];
}

const RECENT_LIMIT = 1000;

/** `METHOD /first/two` path segments, as the shell names routes (e.g. `POST /v1/payment_intents`). */
function routeKey(method: string, pathname: string): string {
  return `${method} /${pathname.split('/').filter(Boolean).slice(0, 2).join('/')}`;
}

export class RequestLog {
  private total = 0;
  private readonly byRoute: Record<string, number> = {};
  private readonly byAccount: Record<string, number> = {};
  private readonly recent: LoggedRequest[] = [];

  observe(request: http.IncomingMessage, response: http.ServerResponse): void {
    const pathname = new URL(request.url ?? '/', 'http://sandbox').pathname;
    if (pathname.startsWith('/_sandbox/')) return;
    const method = request.method ?? 'GET';
    const key = routeKey(method, pathname);
    const claimed = claimedAccount({ headers: request.headers });
    this.total += 1;
    this.byRoute[key] = (this.byRoute[key] ?? 0) + 1;
    response.once('finish', () => {
      // A refused key acted for no account.
      const account = response.statusCode === 401 ? null : claimed;
      if (account) this.byAccount[account] = (this.byAccount[account] ?? 0) + 1;
      this.recent.push({ method, path: pathname, account, status: response.statusCode });
      if (this.recent.length > RECENT_LIMIT) this.recent.splice(0, this.recent.length - RECENT_LIMIT);
    });
  }

  read(): RequestLogReading {
    return {
      total: this.total,
      byRoute: { ...this.byRoute },
      byAccount: { ...this.byAccount },
      recent: [...this.recent],
    };
  }
}
