/**
 * What went wrong talking to Monstock, classified for retry decisions: 408/409/412/429 and 5xx
 * and network failures may succeed later; any other 4xx will not, and retrying it only hides it.
 *
 * Callers outside this folder never read `status`: every answer they react to has a class below,
 * chosen by the client from the status and the request (see `errorFor`). `status`, `code` and
 * `retryable` stay on every error for logs and for the Temporal failure mapping.
 */
export class MonstockApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string,
    readonly retryable: boolean,
    /** From `Retry-After` on a 429: how long Monstock asked us to wait. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Monstock's error answer as the client read it: what each named error is built from. */
export interface ErrorAnswer {
  message: string;
  status: number;
  code: string;
}

/** An answer that will be the same however often the request is sent: retrying only hides it. */
abstract class FinalAnswer extends MonstockApiError {
  constructor(answer: ErrorAnswer) {
    super(answer.message, answer.status, answer.code, false);
  }
}

/** An answer that may change: the same request can succeed later. */
abstract class PassingAnswer extends MonstockApiError {
  constructor(answer: ErrorAnswer) {
    super(answer.message, answer.status, answer.code, true);
  }
}

export type MonstockResource = 'order' | 'customer' | 'refund_request';

/** 404 on a request naming one resource (`/orders/{id}`, `/customers/{id}`): it does not exist. */
export class NotFound extends FinalAnswer {
  constructor(
    answer: ErrorAnswer,
    readonly resource: MonstockResource,
    readonly id: string,
  ) {
    super(answer);
  }
}

export class OrderNotFound extends NotFound {
  constructor(answer: ErrorAnswer, orderId: string) {
    super(answer, 'order', orderId);
  }
}

export class CustomerNotFound extends NotFound {
  constructor(answer: ErrorAnswer, customerId: string) {
    super(answer, 'customer', customerId);
  }
}

/** 404 on `/orders/{id}/refund-requests/{id}`: the order, or that request on it, does not exist. */
export class RefundRequestNotFound extends NotFound {
  constructor(
    answer: ErrorAnswer,
    refundRequestId: string,
    readonly orderId: string,
  ) {
    super(answer, 'refund_request', refundRequestId);
  }
}

/**
 * 409 on reporting a refund request: it is finished (succeeded or rejected) and the report
 * contradicts that. No retry can fix it.
 */
export class RefundRequestFinished extends FinalAnswer {}

/** 412 on a write sent with `If-Match`: the record changed since it was read. Re-read, then retry. */
export class VersionConflict extends PassingAnswer {}

/**
 * 400 on a list call that sent a page cursor: Monstock no longer accepts it (expired, or never
 * its own). Sending it again fails again; the walk restarts from `updatedSince` instead.
 */
export class StaleCursor extends FinalAnswer {}

/** 429: Monstock asked us to wait `retryAfterMs` (its `Retry-After`) before calling again. */
export class RateLimited extends MonstockApiError {
  declare readonly retryAfterMs: number;

  constructor(answer: ErrorAnswer, retryAfterMs: number) {
    super(answer.message, answer.status, answer.code, true, retryAfterMs);
  }
}

/**
 * 409 on recording a movement: the same (kind, transactionRef) is on the order with another amount or currency. No
 * retry can fix it.
 */
export class MovementConflict extends FinalAnswer {}

/** 422: Monstock refused the body we sent. */
export class ValidationFailed extends FinalAnswer {}

/** 400 on anything but a stale page cursor: a request the connector should not have built. */
export class InvalidRequest extends FinalAnswer {}

/** 401 or 403: the token is wrong or lacks a right; every call will fail until it is fixed. */
export class Unauthorized extends FinalAnswer {}

/** 5xx: Monstock failed on its side; the same call may well succeed later. */
export class ServerError extends PassingAnswer {}

/** No answer at all (refused connection, reset, timeout): nothing is known, so try again later. */
export class Unreachable extends MonstockApiError {
  constructor(message: string, code: 'timeout' | 'network_error') {
    super(message, undefined, code, true);
  }
}

/** A 2xx whose body is not JSON or not the contract's shape: retrying reads the same surprise. */
export class InvalidResponse extends MonstockApiError {
  constructor(message: string, status: number) {
    super(message, status, 'invalid_response', false);
  }
}

const RETRYABLE_CLIENT_STATUSES = new Set([408, 409, 412, 429]);

export function isRetryableStatus(status: number): boolean {
  return status >= 500 || RETRYABLE_CLIENT_STATUSES.has(status);
}

/** `Retry-After` is seconds or an HTTP date; anything unreadable becomes one second. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return 1000;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? 1000 : Math.max(0, date - now);
}
