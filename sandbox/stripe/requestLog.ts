import type http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ClockSecondCounter, SlidingWindowCounter, type BusiestSecond } from '../kit/arrivalCounters';
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
 * `perWindow` is the same over any window of one second, wherever it starts (the strict count: a
 * limiter that allows N per second allows no more than N in any such window, while clock seconds
 * can hide up to twice N straddling a boundary); `second` is then the second the window ends in.
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
  perSecond: { max: BusiestSecond; maxByClient: Record<string, BusiestSecond> };
  perWindow: { max: BusiestSecond; maxByClient: Record<string, BusiestSecond> };
  /**
   * How late the sandbox's own event loop ran (ms): requests are counted when it reads them, so a
   * stall of this length can crowd requests sent evenly into a shorter time than they were sent in.
   */
  eventLoopDelayMs: { max: number; p99: number };
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

interface Counters {
  second: ClockSecondCounter;
  window: SlidingWindowCounter;
}

const newCounters = (): Counters => ({ second: new ClockSecondCounter(), window: new SlidingWindowCounter() });

export class RequestLog {
  private readonly all = newCounters();
  private readonly byClient = new Map<string, Counters>();

  private total = 0;
  private readonly byRoute: Record<string, number> = {};
  private readonly byAccount: Record<string, number> = {};
  private readonly recent: LoggedRequest[] = [];

  private readonly eventLoopDelay = monitorEventLoopDelay({ resolution: 10 });

  constructor(private readonly now: () => number = Date.now) {
    this.eventLoopDelay.enable();
  }

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
    const secondsByClient: Record<string, BusiestSecond> = {};
    const windowsByClient: Record<string, BusiestSecond> = {};
    for (const [client, counters] of this.byClient) {
      secondsByClient[client] = { ...counters.second.max };
      windowsByClient[client] = { ...counters.window.max };
    }
    return {
      total: this.total,
      byRoute: { ...this.byRoute },
      byAccount: { ...this.byAccount },
      recent: [...this.recent],
      perSecond: { max: { ...this.all.second.max }, maxByClient: secondsByClient },
      perWindow: { max: { ...this.all.window.max }, maxByClient: windowsByClient },
      eventLoopDelayMs: {
        max: Math.round(this.eventLoopDelay.max / 1e6),
        p99: Math.round(this.eventLoopDelay.percentile(99) / 1e6),
      },
    };
  }

  private countSecond(client: string): void {
    const nowMs = this.now();
    this.all.second.add(nowMs);
    this.all.window.add(nowMs);
    let counters = this.byClient.get(client);
    if (!counters) {
      // Bounded: a client name is at most 60 characters, and only so many SDK callers exist.
      if (this.byClient.size >= 50) client = 'unnamed';
      counters = this.byClient.get(client) ?? newCounters();
      this.byClient.set(client, counters);
    }
    counters.second.add(nowMs);
    counters.window.add(nowMs);
  }
}
