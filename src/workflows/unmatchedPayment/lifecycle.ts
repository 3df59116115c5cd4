import {
  UNMATCHED_SCHEDULE_DEFAULTS,
  type UnmatchedCloseReason,
  type UnmatchedSchedule,
} from '../../shared/orderPayment';

/**
 * The unmatched payment's bounded lifecycle, as pure functions of what a look found and the
 * time the look read Stripe (the activity's clock, kept in history; workflows read no clock).
 */

/** Intent statuses that wait for the customer: no money moved yet, and maybe never will. */
const PRE_PAYMENT_STATUSES = new Set(['requires_payment_method', 'requires_confirmation', 'requires_action']);

export interface LookFacts {
  intent?: { status: string; created: number; moneyMoved: boolean };
  notOurs?: string;
  missing?: boolean;
}

/** Why the payment can end without an order now, or undefined when it still needs one. */
export function closeVerdict(
  facts: LookFacts,
  nowMs: number,
  schedule: Required<UnmatchedSchedule>,
): { reason: UnmatchedCloseReason; detail: string } | undefined {
  if (facts.missing) return { reason: 'not_in_stripe', detail: 'Stripe does not know this payment intent' };
  if (facts.notOurs) return { reason: 'not_ours', detail: `not ours: ${facts.notOurs}` };
  const intent = facts.intent;
  if (!intent || intent.moneyMoved) return undefined;
  if (intent.status === 'canceled')
    return { reason: 'no_money_moved', detail: 'the payment intent was canceled and never moved money' };
  const ageMs = nowMs - intent.created * 1000;
  if (PRE_PAYMENT_STATUSES.has(intent.status) && ageMs >= schedule.abandonedAfterMs) {
    const days = Math.floor(ageMs / 86_400_000);
    return {
      reason: 'no_money_moved',
      detail: `the payment intent is still ${intent.status} after ${days} day${days === 1 ? '' : 's'}, with no payment: abandoned`,
    };
  }
  return undefined;
}

export function resolveSchedule(schedule: UnmatchedSchedule | undefined): Required<UnmatchedSchedule> {
  return { ...UNMATCHED_SCHEDULE_DEFAULTS, ...(schedule ?? {}) };
}

/** The wait after `currentMs`: doubled, capped. */
export function nextInterval(currentMs: number, schedule: Required<UnmatchedSchedule>): number {
  return Math.min(currentMs * 2, schedule.maxLookIntervalMs);
}

/** "1 h", "2 d", "90 s": for the details line. */
export function shortDuration(ms: number): string {
  if (ms >= 86_400_000 && ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms >= 3_600_000) return `${Math.round(ms / 360_000) / 10} h`;
  if (ms >= 60_000) return `${Math.round(ms / 6_000) / 10} min`;
  return `${Math.round(ms / 100) / 10} s`;
}
