import type { Logger } from '../../src/observability/logger';
import type { SandboxDatabase } from '../kit/database';
import type { Accounts } from './accounts';
import type { SandboxClock } from './clock';
import type { EventBus } from './eventBus';
import type { Params } from './params';
import type { Scheduler } from './scheduler';
import type { Store } from './store';
import type { StripeObject } from './types';

/**
 * What every resource module is handed: the shared state and services. Resource modules
 * describe routes as plain data (method, path, handler) and never touch HTTP themselves;
 * `route.ts` adds parsing, idempotency, transactions and headers around them.
 */
export interface Origin {
  /** The API request that caused a change (an event's `request`); null for timers and admin. */
  requestId: string | null;
  idempotencyKey: string | null;
}

export const SYSTEM_ORIGIN: Origin = { requestId: null, idempotencyKey: null };

export interface SandboxSettings {
  apiVersion: string;
  sepaSettleMs: number;
  disputeDelayMs: number;
  /** How long an uncaptured card authorisation lasts before Stripe releases it (7 days by default). */
  authorizationExpirySeconds: number;
}

export type Presenter = (object: StripeObject) => StripeObject;

export interface SandboxContext {
  db: SandboxDatabase;
  store: Store;
  /** Every key's account and the connected accounts of platforms. */
  accounts: Accounts;
  clock: SandboxClock;
  events: EventBus;
  scheduler: Scheduler;
  logger: Logger;
  settings: SandboxSettings;
  /** Turns a stored object into the answered one (computed fields, nested objects). */
  present: Presenter;
  /** The sandbox's own base URL, known once it listens (checkout session `url`). */
  publicUrl(): string;
}

export interface ApiCall {
  params: Params;
  path: Record<string, string>;
  origin: Origin;
}

export interface ApiResult {
  status?: number;
  body: unknown;
}

export interface ApiRoute {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  handler: (call: ApiCall) => ApiResult;
}

export interface AdminCall {
  body: unknown;
  path: Record<string, string>;
}

export interface AdminRoute {
  method: 'GET' | 'POST';
  path: string;
  handler: (call: AdminCall) => ApiResult;
}

export const ok = (body: unknown): ApiResult => ({ status: 200, body });
