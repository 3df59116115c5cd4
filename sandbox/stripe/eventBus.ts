import type { SandboxDatabase } from '../kit/database';
import { signPayload } from '../kit/signature';
import type { DeliveryResult, WebhookOutbox } from '../kit/webhookOutbox';
import type { SandboxClock } from './clock';
import type { Origin, Presenter } from './context';
import { newId } from './ids';
import type { Store } from './store';
import type { StripeEvent, StripeObject, WebhookEndpoint } from './types';

/**
 * Turns every state change into a Stripe event: stored (for `/v1/events`), fanned out to each
 * enabled webhook endpoint whose `enabled_events` match plus the start endpoint, and tracked
 * per endpoint so `pending_webhooks` and `delivery_success` tell the truth. Emitting happens
 * inside the request's transaction, so an event exists exactly when its change does.
 *
 * Accounts: an event belongs to the account of its object. An account's own events go to its
 * own non-Connect endpoints (and, for the sandbox's default account, to the start endpoint); a
 * connected account's events carry `account` and go to its platform's Connect endpoints.
 */
export const START_ENDPOINT_ID = 'we_sandbox_start';

export interface StartEndpoint {
  url: string;
  secret: string;
}

export type EventListener = (event: StripeEvent) => void;

export interface EventBusOptions {
  db: SandboxDatabase;
  store: Store;
  clock: SandboxClock;
  apiVersion: string;
  present: Presenter;
  startEndpoint?: StartEndpoint;
  /** The outbox's attempt cap: a delivery that reaches it has failed for good. */
  maxAttempts: number;
  /** The platform of a connected account; null for an account of its own. */
  platformOf: (account: string) => string | null;
}

export class EventBus {
  private outbox: WebhookOutbox | undefined;
  private readonly listeners: EventListener[] = [];

  constructor(private readonly options: EventBusOptions) {
    options.db.exec(`
      CREATE TABLE IF NOT EXISTS stripe_event_deliveries (
        event_id TEXT NOT NULL,
        endpoint_id TEXT NOT NULL,
        delivered INTEGER NOT NULL DEFAULT 0,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        gave_up INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (event_id, endpoint_id)
      );
    `);
  }

  /** The outbox needs the bus to sign; the bus needs the outbox to send: wired after both exist. */
  attach(outbox: WebhookOutbox): void {
    this.outbox = outbox;
  }

  /** In-process reactions to events (a checkout session following its payment's outcome). */
  subscribe(listener: EventListener): void {
    this.listeners.push(listener);
  }

  emit(type: string, object: StripeObject, origin: Origin, previousAttributes?: Record<string, unknown>): StripeEvent {
    const { store } = this.options;
    const account = store.accountFor(object);
    const platform = this.options.platformOf(account);
    const endpoints = this.matchingEndpoints(type, account, platform);
    const event: StripeEvent = {
      id: newId('evt'),
      object: 'event',
      ...(platform ? { account } : {}),
      api_version: this.options.apiVersion,
      created: this.options.clock.nowSeconds(),
      data: {
        object: this.options.present(structuredClone(object)),
        ...(previousAttributes ? { previous_attributes: previousAttributes } : {}),
      },
      livemode: false,
      pending_webhooks: endpoints.length,
      request: { id: origin.requestId, idempotency_key: origin.idempotencyKey },
      type,
    };
    store.inAccount(account, () => store.insert(event));
    const track = this.options.db.prepare(
      'INSERT OR IGNORE INTO stripe_event_deliveries (event_id, endpoint_id) VALUES (?, ?)',
    );
    for (const endpoint of endpoints) {
      track.run(event.id, endpoint.id);
      const payload = JSON.stringify(
        { ...event, api_version: endpoint.apiVersion ?? this.options.apiVersion },
        null,
        2,
      );
      this.outbox?.enqueue({ eventId: event.id, endpointId: endpoint.id, url: endpoint.url, payload });
    }
    store.inAccount(account, () => {
      for (const listener of this.listeners) listener(event);
    });
    return event;
  }

  /**
   * Stripe's `Stripe-Signature` header, made with the endpoint's secret at send time. The
   * timestamp is the wall clock, not the sandbox clock: receivers check it against their own
   * time (5 minutes' tolerance), which an advanced sandbox clock would otherwise break.
   */
  signerFor(endpointId: string): ((payload: string) => Record<string, string>) | undefined {
    const secret = this.secretOf(endpointId);
    if (!secret) return undefined;
    return (payload) => ({ 'Stripe-Signature': signPayload(payload, secret) });
  }

  recordDelivery(result: DeliveryResult): void {
    if (result.ok) {
      this.options.db
        .prepare('UPDATE stripe_event_deliveries SET delivered = 1 WHERE event_id = ? AND endpoint_id = ?')
        .run(result.eventId, result.endpointId);
      return;
    }
    // Attempt 0 is a drop by the fault knob: that delivery will never happen.
    const final =
      result.attempt === 0 ||
      result.attempt >= this.options.maxAttempts ||
      result.error === 'endpoint no longer exists';
    this.options.db
      .prepare(
        'UPDATE stripe_event_deliveries SET failed_attempts = failed_attempts + 1, gave_up = MAX(gave_up, ?) WHERE event_id = ? AND endpoint_id = ?',
      )
      .run(final ? 1 : 0, result.eventId, result.endpointId);
  }

  pendingWebhooks(eventId: string): number {
    const row = this.options.db
      .prepare('SELECT COUNT(*) AS n FROM stripe_event_deliveries WHERE event_id = ? AND delivered = 0 AND gave_up = 0')
      .get(eventId) as { n: number };
    return row.n;
  }

  clear(): void {
    this.options.db.exec('DELETE FROM stripe_event_deliveries');
  }

  private secretOf(endpointId: string): string | undefined {
    if (endpointId === START_ENDPOINT_ID) return this.options.startEndpoint?.secret;
    // A deleted endpoint's queued deliveries are abandoned, as Stripe stops sending to it.
    if (this.options.store.isDeleted(endpointId)) return undefined;
    return this.options.store.internal<{ secret: string }>(endpointId)?.secret;
  }

  private matchingEndpoints(
    type: string,
    account: string,
    platform: string | null,
  ): Array<{ id: string; url: string; apiVersion: string | null }> {
    const { store } = this.options;
    const out: Array<{ id: string; url: string; apiVersion: string | null }> = [];
    const candidates = store.inAccount(platform ?? account, () =>
      store.all<WebhookEndpoint>('webhook_endpoint').map((endpoint) => ({
        endpoint,
        connect: store.internal<{ connect?: boolean }>(endpoint.id)?.connect === true,
      })),
    );
    for (const { endpoint, connect } of candidates) {
      if (endpoint.status !== 'enabled') continue;
      if (connect !== (platform !== null)) continue;
      if (!endpoint.enabled_events.some((pattern) => eventTypeMatches(pattern, type))) continue;
      out.push({ id: endpoint.id, url: endpoint.url, apiVersion: endpoint.api_version });
    }
    // Oldest endpoint first, so deliveries queue in a predictable order.
    out.reverse();
    if (this.options.startEndpoint && account === store.defaultAccount)
      out.push({ id: START_ENDPOINT_ID, url: this.options.startEndpoint.url, apiVersion: null });
    return out;
  }
}

/** An endpoint's `enabled_events` entry: `*` for everything, otherwise one exact type. */
export function eventTypeMatches(pattern: string, type: string): boolean {
  return pattern === '*' || pattern === type;
}

/**
 * Stripe's `previous_attributes`: the old values of what changed. Nested objects (metadata)
 * show only their changed keys; a key that did not exist before shows as null.
 */
export function previousAttributes(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const old = before[key];
    const next = after[key];
    if (JSON.stringify(old) === JSON.stringify(next)) continue;
    const plain = (value: unknown): value is Record<string, unknown> =>
      !!value && typeof value === 'object' && !Array.isArray(value);
    out[key] = plain(old) && plain(next) ? previousAttributes(old, next) : old === undefined ? null : old;
  }
  return out;
}
