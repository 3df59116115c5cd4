import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import Stripe from 'stripe';
import { MonstockApiError } from '../monstock/errors';

/**
 * What a webhook route answers when finding the order or handing the event to Temporal threw.
 * Only a cause that a later delivery can cure answers 503 (the sender retries): Temporal
 * unreachable, slow or overloaded, the route's own deadline, Stripe or Monstock 5xx, 429, 409
 * or unreachable. Anything else (a key Stripe or Monstock refuses, a request Temporal refuses,
 * a bug) answers 500 with a reason, counted apart and logged as an error: a person must act.
 */
export type RouteFailure = { retry: true; reason: string } | { retry: false; reason: string };

/** gRPC codes a later call may not meet: cancelled, unknown, deadline, exhausted, aborted, internal, unavailable. */
const RETRYABLE_GRPC_CODES = new Set([1, 2, 4, 8, 10, 13, 14]);

export function classifyRouteError(error: unknown): RouteFailure {
  if (error instanceof Stripe.errors.StripeError) {
    const status = error.statusCode;
    if (status === undefined || status === 429 || status === 409 || status >= 500)
      return { retry: true, reason: `stripe_${status ?? 'unreachable'}` };
    return { retry: false, reason: `stripe_${status}` };
  }
  if (error instanceof MonstockApiError)
    return { retry: error.retryable, reason: `monstock_${error.status ?? 'unreachable'}` };
  const grpc = grpcCode(error);
  if (grpc !== undefined)
    return RETRYABLE_GRPC_CODES.has(grpc)
      ? { retry: true, reason: `temporal_grpc_${grpc}` }
      : { retry: false, reason: `temporal_grpc_${grpc}` };
  // A ServiceError without a gRPC status: the connection itself (not up, closed, TLS).
  if (error instanceof ServiceError) return { retry: true, reason: 'temporal_unreachable' };
  if (error instanceof Error && / took too long$/.test(error.message)) return { retry: true, reason: 'deadline' };
  if (isConnectionError(error)) return { retry: true, reason: 'network' };
  return { retry: false, reason: 'internal_error' };
}

function grpcCode(error: unknown): number | undefined {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 5; depth += 1) {
    if (isGrpcServiceError(current)) return current.code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Node's socket errors, and the Temporal core's transport errors, which carry no gRPC code. */
function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^(ECONN|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|UND_ERR)/.test(code))
    return true;
  return /transport|connect|unavailable|deadline/i.test(`${error.name} ${error.message}`);
}
