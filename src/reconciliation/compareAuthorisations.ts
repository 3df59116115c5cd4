import type { ChargeSnapshot, PaymentIntentSnapshot } from '../payments/paymentIntentSnapshot';
import { toMonstockAmount, toMonstockCurrency } from '../payments/money';
import type { Discrepancy } from './compare';

/**
 * The time-bound facts of a payment intent, as pure functions of Stripe's truth and "now": a card
 * authorisation close to (or past) its `capture_before`, and a customer who left 3-D Secure
 * unfinished. Only Stripe's own timestamps are used; `now` is the caller's (the activity's clock),
 * so a test can age them.
 */

/** An authorisation this close to lapsing is listed (the problems page warns two days before too). */
export const AUTHORIZATION_WARNING_MS = 2 * 24 * 60 * 60 * 1000;
/** A customer still asked to authenticate after this long has given up (issue 15: 24 h). */
export const AUTHENTICATION_ABANDONED_MS = 24 * 60 * 60 * 1000;

/** The uncaptured charge that holds the money (the latest one when Stripe has not said `captured`). */
function heldCharge(snapshot: PaymentIntentSnapshot): ChargeSnapshot | undefined {
  const held = snapshot.charges.filter((charge) => charge.status === 'succeeded' && charge.captured !== true);
  return (
    held.find((charge) => charge.id === snapshot.latestChargeId) ?? [...held].sort((a, b) => b.created - a.created)[0]
  );
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Findings about an intent that Stripe still holds (`requires_capture`) or still waits on the customer
 * for (`requires_action`). Both are for a person only: Monstock already shows what Stripe shows (the
 * comparison reports any difference), and no write can capture or authenticate for the merchant.
 */
export function compareTimeBound(snapshot: PaymentIntentSnapshot, orderId: string, now: number): Discrepancy[] {
  const currency = toMonstockCurrency(snapshot.currency);
  const base = { paymentIntentId: snapshot.id, orderId, transactionRef: snapshot.id, movementKind: 'payment' as const };
  if (snapshot.status === 'requires_capture') {
    const charge = heldCharge(snapshot);
    if (charge?.captureBefore === undefined) return [];
    const expiresAt = charge.captureBefore * 1000;
    const amount = toMonstockAmount(
      snapshot.amountCapturable !== undefined && snapshot.amountCapturable > 0
        ? snapshot.amountCapturable
        : charge.amount,
      snapshot.currency,
    );
    const stripe = { status: snapshot.status, amount, currency };
    if (expiresAt <= now) {
      return [
        {
          ...base,
          kind: 'authorization_expired',
          repairable: false,
          currency,
          stripe,
          expiresAt: iso(expiresAt),
          detail: `Authorisation ${snapshot.id} (${amount} ${currency}) passed its capture deadline ${iso(expiresAt)} uncaptured; Stripe has not released it yet`,
        },
      ];
    }
    if (expiresAt - now <= AUTHORIZATION_WARNING_MS) {
      return [
        {
          ...base,
          kind: 'authorization_expiring',
          repairable: false,
          currency,
          stripe,
          expiresAt: iso(expiresAt),
          detail: `Authorisation ${snapshot.id} (${amount} ${currency}) lapses at ${iso(expiresAt)} unless captured (ship the order or capture it)`,
        },
      ];
    }
    return [];
  }
  if (snapshot.status === 'requires_action') {
    // Waiting since the last attempt: a customer who retried recently has not abandoned.
    const since = Math.max(snapshot.created, ...snapshot.charges.map((charge) => charge.created)) * 1000;
    if (now - since <= AUTHENTICATION_ABANDONED_MS) return [];
    const hours = Math.floor((now - since) / 3_600_000);
    return [
      {
        ...base,
        kind: 'authentication_abandoned',
        repairable: false,
        currency,
        stripe: { status: snapshot.status, amount: toMonstockAmount(snapshot.amount, snapshot.currency), currency },
        detail: `Payment ${snapshot.id} has waited ${hours} h for the customer's authentication (3-D Secure) since ${iso(since)}`,
      },
    ];
  }
  return [];
}

/** Findings that inform a person without making the intent unsafe to repair. */
export function isNotice(found: Pick<Discrepancy, 'kind' | 'repairable'>): boolean {
  return (
    found.kind === 'authorization_expiring' ||
    found.kind === 'authentication_abandoned' ||
    (found.kind === 'authorization_expired' && !found.repairable)
  );
}
