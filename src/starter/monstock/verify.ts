import crypto from 'node:crypto';
import {
  monstockWebhookEventSchema as eventSchema,
  type MonstockWebhookEvent,
} from '../../events/monstockEventActions';
import {
  SIGNATURE_TOLERANCE_SECONDS,
  type VerifyOptions,
  type VerifyResult as SignedWebhookResult,
} from '../http/signedWebhook';

/**
 * `Monstock-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, checked over
 * the raw bytes Monstock signed. Several secrets may be valid at once while one is rotated out,
 * and several v1 values may come at once while Monstock rotates its own.
 */
export { SIGNATURE_TOLERANCE_SECONDS, type RejectReason, type VerifyOptions } from '../http/signedWebhook';
export type VerifyResult = SignedWebhookResult<MonstockWebhookEvent>;

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

export function verifyMonstockWebhook(
  rawBody: Buffer,
  header: string | string[] | undefined,
  secrets: readonly string[],
  options: VerifyOptions = {},
): VerifyResult {
  if (typeof header !== 'string' || header.trim() === '') return { ok: false, reason: 'missing_signature' };
  const parsed = parseHeader(header);
  if (!parsed) return { ok: false, reason: 'bad_signature' };
  const signed = Buffer.concat([Buffer.from(`${parsed.timestamp}.`, 'utf8'), rawBody]);
  const valid = secrets.some((secret) => {
    const expected = crypto.createHmac('sha256', secret).update(signed).digest();
    // Every candidate is compared in constant time: no early exit tells a forger how close it came.
    return parsed.signatures.some(
      (candidate) => candidate.length === expected.length && crypto.timingSafeEqual(candidate, expected),
    );
  });
  if (!valid) return { ok: false, reason: 'bad_signature' };
  // Checked after the signature, so only a genuine but old (or replayed) request is called stale.
  const nowSeconds = (options.nowMs ?? Date.now()) / 1000;
  if (Math.abs(nowSeconds - Number(parsed.timestamp)) > (options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS))
    return { ok: false, reason: 'stale_timestamp' };
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed_json' };
  }
  const event = eventSchema.safeParse(json);
  return event.success ? { ok: true, event: event.data } : { ok: false, reason: 'not_an_event' };
}

/** The timestamp stays text: it is signed as sent. Unknown schemes (v0, future ones) are ignored. */
function parseHeader(header: string): { timestamp: string; signatures: Buffer[] } | undefined {
  let timestamp: string | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) timestamp = value;
    else if (key === 'v1' && value && HEX_SHA256.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  return timestamp !== undefined && signatures.length > 0 ? { timestamp, signatures } : undefined;
}
