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

export class Counters {
  private readonly series = new Map<string, Series>();
  private readonly help = new Map<string, string>();

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

/** The webhook routes' counters, one family per outcome, each labelled with its `source`. */
export const WEBHOOK_COUNTERS = {
  received: 'monstock_stripe_webhook_events_received_total',
  accepted: 'monstock_stripe_webhook_events_accepted_total',
  rejected: 'monstock_stripe_webhook_events_rejected_total',
  unknown: 'monstock_stripe_webhook_events_unknown_total',
  ignored: 'monstock_stripe_webhook_events_ignored_total',
  unmatched: 'monstock_stripe_webhook_events_unmatched_total',
  unavailable: 'monstock_stripe_webhook_events_unavailable_total',
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
      'Requests refused with 400, by reason (missing_signature, bad_signature, stale_timestamp, malformed_json, not_an_event).',
    )
    .define(WEBHOOK_COUNTERS.unknown, 'Verified events of a type the connector does not handle, acknowledged with 200.')
    .define(
      WEBHOOK_COUNTERS.ignored,
      'Verified events acknowledged without delivery, by reason (ignore_rule, no_payment_intent).',
    )
    .define(
      WEBHOOK_COUNTERS.unmatched,
      'Events of payments no Monstock order was found for, delivered to the unmatched-payment workflow.',
    )
    .define(
      WEBHOOK_COUNTERS.unavailable,
      'Events answered 503 (Temporal, Stripe or Monstock unreachable) so the sender retries.',
    );
}
