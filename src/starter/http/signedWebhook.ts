/**
 * What both signature checks share: the same five refusals, the same five-minute window, and a
 * clock tests can set. Each sender's scheme lives beside its route.
 */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type RejectReason =
  'missing_signature' | 'bad_signature' | 'stale_timestamp' | 'malformed_json' | 'not_an_event';

export type VerifyResult<Event> = { ok: true; event: Event } | { ok: false; reason: RejectReason };

export interface VerifyOptions {
  toleranceSeconds?: number;
  /** Wall clock in ms, for tests of the tolerance window. */
  nowMs?: number;
}
