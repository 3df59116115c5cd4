import type { ReconciliationWindow } from '../shared/reconciliation';

/** The window ending at `end` (the scheduled time), `hours` long. */
export function windowEndingAt(end: Date, hours: number): ReconciliationWindow {
  if (!(hours > 0)) throw new Error(`window hours must be positive, got ${hours}`);
  return { from: new Date(end.getTime() - hours * 3_600_000).toISOString(), to: end.toISOString() };
}

export function validateWindow(window: ReconciliationWindow): ReconciliationWindow {
  const from = Date.parse(window.from);
  const to = Date.parse(window.to);
  if (Number.isNaN(from) || Number.isNaN(to))
    throw new Error(`window bounds must be ISO dates, got ${window.from} .. ${window.to}`);
  if (from >= to) throw new Error(`window must end after it starts, got ${window.from} .. ${window.to}`);
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

export function unixSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

/** Whether a Stripe object created at `created` (unix seconds) falls in the window's Stripe range [gte, lt). */
export function createdInWindow(created: number, window: ReconciliationWindow): boolean {
  return created >= unixSeconds(window.from) && created < Math.ceil(Date.parse(window.to) / 1000);
}

/** Stripe's `created` filter for the window: whole seconds, `to` rounded up so nothing at its edge is lost. */
export function stripeCreatedRange(window: ReconciliationWindow): { gte: number; lt: number } {
  return { gte: unixSeconds(window.from), lt: Math.ceil(Date.parse(window.to) / 1000) };
}
