import type http from 'node:http';
import { claimedAccount } from './accountScope';

/**
 * `GET /_sandbox/requests`: the API requests the sandbox received, counted on arrival as the
 * shared shell counts them (`total`, `byRoute`), plus which account each was for (recorded once
 * answered), so a test can check isolation from the sandbox's own records rather than from what
 * a client says it sent.
 * `recent` keeps the latest requests with their answer's status (kept in memory, capped).
 * `perSecond` is the busiest second so far (counted on arrival, per wall-clock second, as a server
 * enforcing a per-second limit counts), over all requests and per client: the application name a
 * Stripe SDK sends in its User-Agent (`appInfo`, e.g. the connector's `monstock-stripe`), else
 * `unnamed`. It lets a run read the maximum requests per second from the sandbox's own records.
 */
export interface LoggedRequest {
  method: string;
  path: string;
  /** The `Stripe-Account` header when sent, else the key's own account; null for a refused key. */
  account: string | null;
  status: number;
}

export interface BusiestSecond {
  count: number;
  /** Unix seconds of that second; null while nothing was counted. */
  second: number | null;
}

export interface RequestLogReading {
  total: number;
  byRoute: Record<string, number>;
  byAccount: Record<string, number>;
  recent: LoggedRequest[];
  perSecond: { max: BusiestSecond; maxByClient: Record<string, BusiestSecond> };
}

const RECENT_LIMIT = 1000;

/** `METHOD /first/two` path segments, as the shell names routes (e.g. `POST /v1/payment_intents`). */
function routeKey(method: string, pathname: string): string {
  return `${method} /${pathname.split('/').filter(Boolean).slice(0, 2).join('/')}`;
}

/** The app name a Stripe SDK appends to its User-Agent (`Stripe/v1 NodeBindings/23.1.0 name[/version] [(url)]`). */
export function clientOf(userAgent: string | undefined): string {
  const name = /NodeBindings\/\S+\s+(?!AIAgent\/)([A-Za-z0-9._-]{1,60})(?:[/\s]|$)/.exec(userAgent ?? '')?.[1];
  return name ?? 'unnamed';
}

/** Counts the requests of the current second and keeps the busiest second seen. */
class SecondCounter {
  private second = -1;
  private count = 0;
  readonly max: BusiestSecond = { count: 0, second: null };

  add(second: number): void {
    if (second !== this.second) {
      this.second = second;
      this.count = 0;
    }
    this.count += 1;
    if (this.count > this.max.count) {
      this.max.count = this.count;
      this.max.second = second;
    }
  }
}

export class RequestLog {
  private readonly allSeconds = new SecondCounter();
  private readonly clientSeconds = new Map<string, SecondCounter>();

  private total = 0;
  private readonly byRoute: Record<string, number> = {};
  private readonly byAccount: Record<string, number> = {};
  private readonly recent: LoggedRequest[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  observe(request: http.IncomingMessage, response: http.ServerResponse): void {
    const pathname = new URL(request.url ?? '/', 'http://sandbox').pathname;
    if (pathname.startsWith('/_sandbox/')) return;
    const method = request.method ?? 'GET';
    const key = routeKey(method, pathname);
    const claimed = claimedAccount({ headers: request.headers });
    this.total += 1;
    this.byRoute[key] = (this.byRoute[key] ?? 0) + 1;
    this.countSecond(clientOf(request.headers['user-agent']));
    response.once('finish', () => {
      // A refused key acted for no account.
      const account = response.statusCode === 401 ? null : claimed;
      if (account) this.byAccount[account] = (this.byAccount[account] ?? 0) + 1;
      this.recent.push({ method, path: pathname, account, status: response.statusCode });
      if (this.recent.length > RECENT_LIMIT) this.recent.splice(0, this.recent.length - RECENT_LIMIT);
    });
  }

  read(): RequestLogReading {
    const maxByClient: Record<string, BusiestSecond> = {};
    for (const [client, counter] of this.clientSeconds) maxByClient[client] = { ...counter.max };
    return {
      total: this.total,
      byRoute: { ...this.byRoute },
      byAccount: { ...this.byAccount },
      recent: [...this.recent],
      perSecond: { max: { ...this.allSeconds.max }, maxByClient },
    };
  }

  private countSecond(client: string): void {
    const second = Math.floor(this.now() / 1000);
    this.allSeconds.add(second);
    let counter = this.clientSeconds.get(client);
    if (!counter) {
      // Bounded: a client name is at most 60 characters, and only so many SDK callers exist.
      if (this.clientSeconds.size >= 50) client = 'unnamed';
      counter = this.clientSeconds.get(client) ?? new SecondCounter();
      this.clientSeconds.set(client, counter);
    }
    counter.add(second);
  }
}
