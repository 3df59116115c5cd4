import type { SandboxDatabase } from '../kit/database';
import { HttpError, type Handler, type SandboxRequest, type SandboxResponse } from '../kit/http';
import { parseJsonBody } from '../kit/server';
import type { SandboxClock } from './clock';
import type { AdminRoute, ApiResult, ApiRoute } from './context';
import { invalidRequest, shellErrorBody, stripeError } from './errors';
import { decodeForm, FormDecodingError, type FormObject } from './formEncoding';
import { fingerprintOf, type IdempotencyKeys, MAX_KEY_LENGTH } from './idempotency';
import { newId } from './ids';
import { Params } from './params';
import type { Store } from './store';

/**
 * Wraps a resource's handler with what every Stripe endpoint does: decode the form-encoded
 * parameters, honour `Idempotency-Key`, run the change in one SQLite transaction (a 4xx thrown
 * half-way leaves no trace), and answer with `Request-Id` and `Stripe-Version` headers.
 * Handlers are synchronous from lookup to commit, so two requests with one key can never both
 * run: the second always sees the first's stored answer (Stripe's 409 "in progress" cannot occur).
 * Each request runs as its account (the store sees only that account's objects) and its
 * idempotency keys are that account's: the same key under two accounts is two requests.
 */
export interface RouteServices {
  db: SandboxDatabase;
  clock: SandboxClock;
  idempotency: IdempotencyKeys;
  apiVersion: string;
  store: Store;
  /** The account the request acts for (its key's, or a connected one); throws Stripe's 403. */
  accountFor: (request: SandboxRequest) => string;
}

const JSON_TYPE = 'application/json';

function serialize(body: unknown): string {
  return JSON.stringify(body, null, 2);
}

function decodeParams(request: SandboxRequest): FormObject {
  try {
    const fromQuery = decodeForm(request.query);
    if (request.method !== 'POST') return fromQuery;
    // Stripe reads POST parameters from the body; query ones are tolerated, the body wins.
    return { ...fromQuery, ...decodeForm(request.rawBody.toString('utf8')) };
  } catch (error) {
    if (error instanceof FormDecodingError) throw invalidRequest(error.message, error.param);
    throw error;
  }
}

/** What was executed is kept for replay; refusals before execution (400s) are not, as at Stripe. */
function worthRemembering(status: number): boolean {
  return (status >= 200 && status < 300) || status === 402;
}

export function apiHandler(services: RouteServices, route: ApiRoute): Handler {
  return (request): SandboxResponse => {
    const requestId = newId('req');
    const headers: Record<string, string> = {
      'content-type': JSON_TYPE,
      'request-id': requestId,
      'stripe-version':
        typeof request.headers['stripe-version'] === 'string' ? request.headers['stripe-version'] : services.apiVersion,
    };
    const headerKey = request.headers['idempotency-key'];
    const key = request.method === 'POST' && typeof headerKey === 'string' && headerKey !== '' ? headerKey : undefined;
    if (key) headers['idempotency-key'] = key;
    try {
      if (key && key.length > MAX_KEY_LENGTH) {
        throw invalidRequest(`Idempotency-Key must be at most ${MAX_KEY_LENGTH} characters long.`, 'Idempotency-Key');
      }
      const account = services.accountFor(request);
      const raw = decodeParams(request);
      const fingerprint = key ? fingerprintOf(request.method, request.path, raw) : '';
      const accountKey = `${account}:${key ?? ''}`;
      if (key) {
        const found = services.idempotency.lookup(accountKey, fingerprint, services.clock.nowSeconds());
        if (found.kind === 'mismatch') {
          throw stripeError(400, {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          });
        }
        if (found.kind === 'replay') {
          return {
            status: found.answer.status,
            body: found.answer.body,
            headers: { ...headers, 'idempotent-replayed': 'true', 'original-request': found.answer.requestId },
          };
        }
      }
      const call = {
        params: new Params(raw),
        path: request.params,
        origin: { requestId, idempotencyKey: key ?? null },
      };
      return services.db.transaction((): SandboxResponse => {
        const result: ApiResult = services.store.inAccount(account, () => route.handler(call));
        const status = result.status ?? 200;
        const body = serialize(result.body);
        if (key && worthRemembering(status))
          services.idempotency.remember(
            accountKey,
            fingerprint,
            { status, body, requestId },
            services.clock.nowSeconds(),
          );
        return { status, body, headers };
      })();
    } catch (error) {
      if (error instanceof HttpError)
        return { status: error.status, body: serialize(error.body), headers: { ...headers, ...error.headers } };
      throw error;
    }
  };
}

/**
 * Admin routes take JSON (they are called by tests and operators, not by the SDK). A knob acting
 * on one object (`/_sandbox/payment_intents/:id/...`) runs as the account holding it, so what it
 * changes and emits stays in that account; other knobs run unscoped.
 */
export function adminHandler(db: SandboxDatabase, store: Store, route: AdminRoute): Handler {
  return (request): SandboxResponse => {
    const headers = { 'content-type': JSON_TYPE, 'request-id': newId('req') };
    try {
      const body = parseJsonBody(request.rawBody, shellErrorBody);
      const target = request.params.id;
      const account = target === undefined ? null : (store.accountOf(target) ?? null);
      const result = db.transaction(() =>
        store.inAccount(account, () => route.handler({ body, path: request.params })),
      )();
      return { status: result.status ?? 200, body: serialize(result.body), headers };
    } catch (error) {
      if (error instanceof HttpError)
        return { status: error.status, body: serialize(error.body), headers: { ...headers, ...error.headers } };
      throw error;
    }
  };
}
