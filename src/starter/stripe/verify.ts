import Stripe from 'stripe';
import type { StripeWebhookEvent } from '../../events/stripeEventActions';
import {
  SIGNATURE_TOLERANCE_SECONDS,
  type VerifyOptions,
  type VerifyResult as SignedWebhookResult,
} from '../http/signedWebhook';

/**
 * Stripe-Signature verification with the official SDK, over the raw bytes Stripe signed. Several
 * secrets may be valid at once (rotation, plus the managed endpoint's own secret).
 */
export { SIGNATURE_TOLERANCE_SECONDS, type RejectReason, type VerifyOptions } from '../http/signedWebhook';
export type VerifyResult = SignedWebhookResult<StripeWebhookEvent>;

const signature = Stripe.webhooks.signature;

export function verifyStripeWebhook(
  rawBody: Buffer,
  header: string | string[] | undefined,
  secrets: readonly string[],
  options: VerifyOptions = {},
): VerifyResult {
  if (typeof header !== 'string' || header.trim() === '') return { ok: false, reason: 'missing_signature' };
  if (!signature) throw new Error('the stripe SDK has no signature helper');
  // The SDK throws a plain Error (not a verification error) for a `v1` without a value
  // ("t=…,v1=", "t=…,v1"): refused here, parsed as the SDK parses, so it is a 400 and not a 500.
  const emptyV1 = header.split(',').some((item) => {
    const [key, value] = item.split('=');
    return key === 'v1' && !value;
  });
  if (emptyV1) return { ok: false, reason: 'bad_signature' };
  // Decoded once: the SDK would decode a Buffer again for every secret tried.
  const payload = rawBody.toString('utf8');
  const tolerance = options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  if (!secrets.some((secret) => verifies(payload, header, secret, tolerance, options.nowMs))) {
    // Only on the failure path: tolerance 0 makes the SDK skip the age check, telling a replayed
    // (or long-delayed) signature from a wrong one.
    const stale = tolerance > 0 && secrets.some((secret) => verifies(payload, header, secret, 0, options.nowMs));
    return { ok: false, reason: stale ? 'stale_timestamp' : 'bad_signature' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return { ok: false, reason: 'malformed_json' };
  }
  return isEvent(parsed) ? { ok: true, event: parsed } : { ok: false, reason: 'not_an_event' };
}

function verifies(
  payload: string,
  header: string,
  secret: string,
  tolerance: number,
  nowMs: number | undefined,
): boolean {
  try {
    return signature!.verifyHeader(payload, header, secret, tolerance, undefined, nowMs);
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) return false;
    throw error;
  }
}

function isEvent(value: unknown): value is StripeWebhookEvent {
  if (!isRecord(value)) return false;
  if (typeof value.id !== 'string' || typeof value.type !== 'string' || typeof value.created !== 'number') return false;
  const data = value.data;
  return isRecord(data) && isRecord(data.object) && typeof data.object.id === 'string';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
