/**
 * Workflow ids from named helpers, each with its inverse, so an operator (or the Web UI search)
 * can go from an order to its workflow and back. Every id carries the connection id, so several
 * merchants can later share one namespace and worker fleet without renaming anything.
 */
const SEPARATOR = '/';

export interface OrderWorkflowRef {
  connectionId: string;
  orderId: string;
}

export function orderWorkflowId(connectionId: string, orderId: string): string {
  return ['order-payment', connectionId, orderId].join(SEPARATOR);
}

export function parseOrderWorkflowId(workflowId: string): OrderWorkflowRef | undefined {
  const [kind, connectionId, ...rest] = workflowId.split(SEPARATOR);
  if (kind !== 'order-payment' || !connectionId || rest.length === 0) return undefined;
  return { connectionId, orderId: rest.join(SEPARATOR) };
}

export function unmatchedPaymentWorkflowId(connectionId: string, paymentIntentId: string): string {
  return ['unmatched-payment', connectionId, paymentIntentId].join(SEPARATOR);
}

export function parseUnmatchedPaymentWorkflowId(
  workflowId: string,
): { connectionId: string; paymentIntentId: string } | undefined {
  const [kind, connectionId, paymentIntentId, ...rest] = workflowId.split(SEPARATOR);
  if (kind !== 'unmatched-payment' || !connectionId || !paymentIntentId || rest.length > 0) return undefined;
  return { connectionId, paymentIntentId };
}

export function customerSyncWorkflowId(connectionId: string): string {
  return ['customer-sync', connectionId].join(SEPARATOR);
}

export function parseCustomerSyncWorkflowId(workflowId: string): { connectionId: string } | undefined {
  const [kind, connectionId, ...rest] = workflowId.split(SEPARATOR);
  if (kind !== 'customer-sync' || !connectionId || rest.length > 0) return undefined;
  return { connectionId };
}

export function orderFeedWorkflowId(connectionId: string): string {
  return ['order-feed', connectionId].join(SEPARATOR);
}

export function parseOrderFeedWorkflowId(workflowId: string): { connectionId: string } | undefined {
  const [kind, connectionId, ...rest] = workflowId.split(SEPARATOR);
  if (kind !== 'order-feed' || !connectionId || rest.length > 0) return undefined;
  return { connectionId };
}

/**
 * A reconciliation run: `reconciliation/<connection>/<runKey>`, the run key naming what started
 * it (`scheduled`, to which the schedule appends its timestamp, or the CLI's `cli-<from>-<to>-<started ms>`).
 */
export function reconciliationWorkflowId(connectionId: string, runKey: string): string {
  return ['reconciliation', connectionId, runKey].join(SEPARATOR);
}

export function parseReconciliationWorkflowId(
  workflowId: string,
): { connectionId: string; runKey: string } | undefined {
  const [kind, connectionId, ...rest] = workflowId.split(SEPARATOR);
  if (kind !== 'reconciliation' || !connectionId || rest.length === 0 || !rest.join(SEPARATOR)) return undefined;
  return { connectionId, runKey: rest.join(SEPARATOR) };
}

/** The nightly schedule of a connection: `reconciliation-schedule/<connection>`. */
export function reconciliationScheduleId(connectionId: string): string {
  return ['reconciliation-schedule', connectionId].join(SEPARATOR);
}

export function parseReconciliationScheduleId(scheduleId: string): { connectionId: string } | undefined {
  const [kind, connectionId, ...rest] = scheduleId.split(SEPARATOR);
  if (kind !== 'reconciliation-schedule' || !connectionId || rest.length > 0) return undefined;
  return { connectionId };
}

/**
 * Ids that reach workflow ids (and Temporal's history) come from the outside: a webhook's ids are
 * checked at the edge, strictly, so a malformed or oversized one is refused with a 400 (Temporal's
 * id limit is 1,000 bytes; retrying could never make it fit) instead of failing on every delivery.
 *  - Stripe: a lowercase type prefix and `_`, then letters, digits and `_` (`pi_3Qx…`, `cs_test_a1…`,
 *    `evt_1N…`), at most 255 after the prefix, as Stripe documents.
 *  - Monstock: letters and digits first, then letters, digits and `_ . : -`, at most 128.
 */
export const STRIPE_ID_PATTERN = /^[a-z]{1,16}_[A-Za-z0-9_]{1,255}$/;
export const MONSTOCK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export function isSafeStripeId(value: unknown): value is string {
  return typeof value === 'string' && STRIPE_ID_PATTERN.test(value);
}

export function isSafeMonstockId(value: unknown): value is string {
  return typeof value === 'string' && MONSTOCK_ID_PATTERN.test(value);
}

/** For logs: an id that failed the check, cut short and stripped of anything unprintable. */
export function describeBadId(value: unknown): string {
  if (typeof value !== 'string') return `(${typeof value})`;
  const printable = value.slice(0, 40).replace(/[^\x20-\x7e]/g, '?');
  return value.length > 40 ? `${printable}… (${value.length} chars)` : printable;
}
