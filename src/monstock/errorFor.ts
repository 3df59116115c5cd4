import {
  CustomerNotFound,
  InvalidRequest,
  isRetryableStatus,
  MonstockApiError,
  MovementConflict,
  OrderNotFound,
  RateLimited,
  RefundRequestFinished,
  RefundRequestNotFound,
  ServerError,
  StaleCursor,
  Unauthorized,
  ValidationFailed,
  VersionConflict,
  type ErrorAnswer,
  type MonstockResource,
} from './errors';

/** What a failed request was about: a status alone cannot tell a stale cursor from a bad filter. */
export interface RequestFacts {
  /** The one resource the path names (`/orders/{id}`, `/orders/{id}/payments`, `/customers/{id}`). */
  names?: { resource: MonstockResource; id: string; orderId?: string };
  /** A list call that sent a page cursor. */
  sentCursor?: boolean;
  /** POST /orders/{id}/payments, where a 409 is a contradicting movement. */
  recordsMovement?: boolean;
  /** PATCH /orders/{id}/refund-requests/{id}, where a 409 is a report on a finished request. */
  reportsRefund?: boolean;
}

/** The named error for a non-2xx answer; statuses no caller reacts to stay a plain MonstockApiError. */
export function errorFor(request: RequestFacts, answer: ErrorAnswer, retryAfterMs: () => number): MonstockApiError {
  const { status } = answer;
  if (status === 404 && request.names) {
    const { resource, id, orderId } = request.names;
    if (resource === 'refund_request') return new RefundRequestNotFound(answer, id, orderId ?? '');
    return resource === 'order' ? new OrderNotFound(answer, id) : new CustomerNotFound(answer, id);
  }
  if (status === 400) return request.sentCursor ? new StaleCursor(answer) : new InvalidRequest(answer);
  if (status === 401 || status === 403) return new Unauthorized(answer);
  if (status === 409 && request.recordsMovement) return new MovementConflict(answer);
  if (status === 409 && request.reportsRefund) return new RefundRequestFinished(answer);
  if (status === 412) return new VersionConflict(answer);
  if (status === 422) return new ValidationFailed(answer);
  if (status === 429) return new RateLimited(answer, retryAfterMs());
  if (status >= 500) return new ServerError(answer);
  return new MonstockApiError(answer.message, status, answer.code, isRetryableStatus(status));
}
