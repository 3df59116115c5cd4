import { HttpError } from '../kit/http';

/**
 * Stripe's error body (`{ error: { type, code?, message, param?, ... } }`) and the throwables
 * handlers use. The SDK turns the HTTP status plus `type` into its error classes
 * (400/404 → StripeInvalidRequestError, 402 → StripeCardError, 401 → StripeAuthenticationError,
 * `idempotency_error` → StripeIdempotencyError), so both must match Stripe's.
 */
export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export interface StripeErrorFields {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
  charge?: string;
  payment_intent?: unknown;
  payment_method?: unknown;
  request_log_url?: string;
}

export interface StripeErrorBody {
  error: StripeErrorFields;
}

export function docUrl(code: string): string {
  return `https://docs.stripe.com/error-codes/${code.replace(/_/g, '-')}`;
}

export function stripeErrorBody(fields: StripeErrorFields): StripeErrorBody {
  const error: StripeErrorFields = { ...fields };
  if (error.code && !error.doc_url) error.doc_url = docUrl(error.code);
  return { error };
}

export function stripeError(status: number, fields: StripeErrorFields): HttpError {
  return new HttpError(status, stripeErrorBody(fields));
}

export function invalidRequest(message: string, param?: string, code?: string): HttpError {
  return stripeError(400, {
    type: 'invalid_request_error',
    message,
    ...(code ? { code } : {}),
    ...(param ? { param } : {}),
  });
}

/** Stripe names the resource by its object type: "No such payment_intent: 'pi_x'". */
export function resourceMissing(objectName: string, id: string, param = 'id'): HttpError {
  // A missing id in the path is a 404; a missing object named by a parameter is a 400.
  const status = param === 'id' ? 404 : 400;
  return stripeError(status, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${objectName}: '${id}'`,
    param,
  });
}

export function unexpectedState(message: string, code = 'payment_intent_unexpected_state'): HttpError {
  return stripeError(400, { type: 'invalid_request_error', code, message });
}

/**
 * The shell (body cap, unknown route, fault knobs) reports in its own vocabulary; this maps it
 * onto Stripe's, e.g. a 429 is `invalid_request_error`/`rate_limit` as Stripe answers it.
 */
export function shellErrorBody(status: number, code: string, message: string): StripeErrorBody {
  if (status === 429)
    return stripeErrorBody({
      type: 'invalid_request_error',
      code: 'rate_limit',
      message: 'Request rate limit exceeded. Learn more about rate limits here https://docs.stripe.com/rate-limits.',
    });
  if (status >= 500) return stripeErrorBody({ type: 'api_error', message });
  if (status === 404 && code === 'not_found') {
    const route = /^No route for (\S+) (\S+)\.$/.exec(message);
    if (route)
      return stripeErrorBody({
        type: 'invalid_request_error',
        message: `Unrecognized request URL (${route[1]}: ${route[2]}). Please see https://docs.stripe.com or we can help at https://support.stripe.com/.`,
      });
  }
  return stripeErrorBody({ type: 'invalid_request_error', message });
}
