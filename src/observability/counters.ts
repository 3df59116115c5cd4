/**
 * In-process counters, served as Prometheus text at `GET /metrics`. No client library: a few
 * monotonic counters with labels are all the webhook server needs, and `inc` stays a map lookup
 * so it costs nothing at hundreds of events a second.
 */
export type Labels = Record<string, string>;

interface Series {
  name: string;
  labels: Labels;
  value: number;
}

/**
 * One webhook event acknowledged or refused without delivery for a cause a retry cannot cure
 * (its object unknown to Stripe, an id no workflow could carry, the other mode's event): kept,
 * the last few per source, for the problems page. Ids and types only, never personal data.
 */
export interface NotedWebhookEvent {
  at: string;
  source: string;
  /** The connection it arrived for (unset where a route does not know one). */
  connection?: string;
  reason: string;
  eventId: string;
  type: string;
  objectId?: string;
  paymentIntentId?: string;
  status: number;
}

/** How many noted events are kept per source. */
export const MAX_NOTED_WEBHOOK_EVENTS = 20;

export class Counters {
  private readonly series = new Map<string, Series>();
  private readonly help = new Map<string, string>();
  private readonly noted = new Map<string, NotedWebhookEvent[]>();

  /** Keeps `event` among the last MAX_NOTED_WEBHOOK_EVENTS of its source (oldest dropped). */
  note(event: Omit<NotedWebhookEvent, 'at'> & { at?: string }): void {
    const list = this.noted.get(event.source) ?? [];
    list.push({ ...event, at: event.at ?? new Date().toISOString() });
    if (list.length > MAX_NOTED_WEBHOOK_EVENTS) list.splice(0, list.length - MAX_NOTED_WEBHOOK_EVENTS);
    this.noted.set(event.source, list);
  }

  /** The noted events of `source`, newest first. */
  notedEvents(source: string): NotedWebhookEvent[] {
    return [...(this.noted.get(source) ?? [])].reverse().map((event) => ({ ...event }));
  }

  /** Declares a counter so it shows (with its help text) before anything is counted. */
  define(name: string, help: string): this {
    this.help.set(name, help);
    return this;
  }

  inc(name: string, labels: Labels = {}, by = 1): void {
    const key = seriesKey(name, labels);
    const existing = this.series.get(key);
    if (existing) existing.value += by;
    else this.series.set(key, { name, labels: { ...labels }, value: by });
  }

  get(name: string, labels: Labels = {}): number {
    return this.series.get(seriesKey(name, labels))?.value ?? 0;
  }

  /** Prometheus text exposition format 0.0.4. */
  toPrometheus(): string {
    const byName = new Map<string, Series[]>();
    for (const name of this.help.keys()) byName.set(name, []);
    for (const series of this.series.values()) {
      const list = byName.get(series.name) ?? [];
      list.push(series);
      byName.set(series.name, list);
    }
    const lines: string[] = [];
    for (const name of [...byName.keys()].sort()) {
      const help = this.help.get(name);
      if (help) lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
      lines.push(`# TYPE ${name} counter`);
      for (const series of byName
        .get(name)!
        .sort((a, b) => formatLabels(a.labels).localeCompare(formatLabels(b.labels)))) {
        lines.push(`${name}${formatLabels(series.labels)} ${series.value}`);
      }
    }
    return lines.join('\n') + '\n';
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function seriesKey(name: string, labels: Labels): string {
  return name + formatLabels(labels);
}

function formatLabels(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  keys.sort();
  return `{${keys.map((key) => `${key}="${escapeLabel(labels[key]!)}"`).join(',')}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/**
 * The webhook routes' counters, one family per outcome, each labelled with its `source` (stripe,
 * monstock, stripe-connect) and its `connection`: the connection's id; `unknown` for a path naming
 * no connection (never the path's id, which anyone can invent); `platform` for a Connect event not
 * yet attributed to one.
 */
export const WEBHOOK_COUNTERS = {
  received: 'monstock_stripe_webhook_events_received_total',
  accepted: 'monstock_stripe_webhook_events_accepted_total',
  rejected: 'monstock_stripe_webhook_events_rejected_total',
  unknown: 'monstock_stripe_webhook_events_unknown_total',
  ignored: 'monstock_stripe_webhook_events_ignored_total',
  unmatched: 'monstock_stripe_webhook_events_unmatched_total',
  unavailable: 'monstock_stripe_webhook_events_unavailable_total',
  failed: 'monstock_stripe_webhook_events_failed_total',
} as const;

export function defineWebhookCounters(counters: Counters): Counters {
  return counters
    .define(WEBHOOK_COUNTERS.received, 'Webhook requests received, before verification.')
    .define(
      WEBHOOK_COUNTERS.accepted,
      'Events Temporal accepted (signal-with-start done), by target workflow (order or unmatched).',
    )
    .define(
      WEBHOOK_COUNTERS.rejected,
      'Requests refused with 400, by reason (missing_signature, bad_signature, stale_timestamp, malformed_json, not_an_event, invalid_id, livemode_mismatch, invalid_order, invalid_customer; 404 unknown_connection).',
    )
    .define(WEBHOOK_COUNTERS.unknown, 'Verified events of a type the connector does not handle, acknowledged with 200.')
    .define(
      WEBHOOK_COUNTERS.ignored,
      'Verified events acknowledged without delivery, by reason (ignore_rule, no_payment_intent, redundant, object_not_found, customer_sync_not_wired, own_write: Monstock echoing an order write of the connector; on stripe-connect: no_account, unknown_account).',
    )
    .define(
      WEBHOOK_COUNTERS.unmatched,
      'Events of payments no Monstock order was found for, delivered to the unmatched-payment workflow.',
    )
    .define(
      WEBHOOK_COUNTERS.unavailable,
      'Events answered 503 so the sender retries: Temporal, Stripe or Monstock unreachable; reason paused (the connection is paused) or registry_unavailable.',
    )
    .define(
      WEBHOOK_COUNTERS.failed,
      'Events answered 500 for a cause a retry alone will not cure (a key Stripe or Monstock refuses, a request Temporal refuses, a bug), by reason.',
    );
}
