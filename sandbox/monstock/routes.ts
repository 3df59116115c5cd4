import { Router, type SandboxRequest } from '../kit/http';
import { CHANGE_SOURCE_HEADER, parseChangeSource } from './changeSource';
import { errorBody } from './errors';
import { parseIfMatch } from './preconditions';
import { parseBody, parseQuery } from './requests';
import {
  customerInputSchema,
  customerListQuerySchema,
  customerPatchSchema,
  orderInputSchema,
  orderListQuerySchema,
  orderPatchSchema,
  paymentInputSchema,
  refundRequestInputSchema,
  refundRequestListQuerySchema,
  refundRequestPatchSchema,
} from './schemas';
import type { TenantServices } from './tenantServices';

/** The `/v1` routes of docs/monstock-api.yaml; authentication and faults come from the shell. */
export const API_PREFIX = '/v1';

export function createApiRouter(servicesOf: (request: SandboxRequest) => TenantServices): Router {
  // Each request is served by its own tenant's services (see auth.ts).
  const orders = (request: SandboxRequest): TenantServices['orders'] => servicesOf(request).orders;
  const customers = (request: SandboxRequest): TenantServices['customers'] => servicesOf(request).customers;
  const refundRequests = (request: SandboxRequest): TenantServices['refundRequests'] =>
    servicesOf(request).refundRequests;
  const router = new Router()
    .on('GET', `${API_PREFIX}/orders`, (request) => ({
      status: 200,
      body: orders(request).list(parseQuery(orderListQuerySchema, request)),
    }))
    .on('POST', `${API_PREFIX}/orders`, (request) => {
      const changeSource = sourceOf(request);
      const input = parseBody(orderInputSchema, request);
      return { status: 201, body: orders(request).create(input, changeSource ? { changeSource } : {}) };
    })
    .on('GET', `${API_PREFIX}/orders/:orderId`, (request) => ({
      status: 200,
      body: orders(request).get(request.params.orderId ?? ''),
    }))
    .on('PATCH', `${API_PREFIX}/orders/:orderId`, (request) => {
      const expected = parseIfMatch(request.headers['if-match']);
      const changeSource = sourceOf(request);
      const patch = parseBody(orderPatchSchema, request);
      return {
        status: 200,
        body: orders(request).update(request.params.orderId ?? '', patch, expected, changeSource),
      };
    })
    .on('POST', `${API_PREFIX}/orders/:orderId/payments`, (request) => {
      const expected = parseIfMatch(request.headers['if-match']);
      const changeSource = sourceOf(request);
      const input = parseBody(paymentInputSchema, request);
      const result = orders(request).recordPayment(request.params.orderId ?? '', input, expected, changeSource);
      return { status: result.created ? 201 : 200, body: result.order };
    })
    .on('POST', `${API_PREFIX}/orders/:orderId/refund-requests`, (request) => {
      const changeSource = sourceOf(request);
      const input = parseBody(refundRequestInputSchema, request);
      return { status: 201, body: refundRequests(request).create(request.params.orderId ?? '', input, changeSource) };
    })
    .on('GET', `${API_PREFIX}/orders/:orderId/refund-requests`, (request) => ({
      status: 200,
      body: refundRequests(request).list(
        request.params.orderId ?? '',
        parseQuery(refundRequestListQuerySchema, request),
      ),
    }))
    .on('PATCH', `${API_PREFIX}/orders/:orderId/refund-requests/:refundRequestId`, (request) => {
      const patch = parseBody(refundRequestPatchSchema, request);
      const { orderId = '', refundRequestId = '' } = request.params;
      return { status: 200, body: refundRequests(request).update(orderId, refundRequestId, patch) };
    })
    .on('GET', `${API_PREFIX}/customers`, (request) => ({
      status: 200,
      body: customers(request).list(parseQuery(customerListQuerySchema, request)),
    }))
    .on('POST', `${API_PREFIX}/customers`, (request) => {
      const changeSource = sourceOf(request);
      const input = parseBody(customerInputSchema, request);
      return { status: 201, body: customers(request).create(input, changeSource ? { changeSource } : {}) };
    })
    .on('GET', `${API_PREFIX}/customers/:customerId`, (request) => ({
      status: 200,
      body: customers(request).get(request.params.customerId ?? ''),
    }))
    .on('PATCH', `${API_PREFIX}/customers/:customerId`, (request) => {
      const expected = parseIfMatch(request.headers['if-match']);
      const changeSource = sourceOf(request);
      const patch = parseBody(customerPatchSchema, request);
      return {
        status: 200,
        body: customers(request).update(request.params.customerId ?? '', patch, expected, changeSource),
      };
    });
  return withAllowHeaders(router, {
    [`${API_PREFIX}/orders`]: ['GET', 'POST'],
    [`${API_PREFIX}/orders/:orderId`]: ['GET', 'PATCH'],
    [`${API_PREFIX}/orders/:orderId/payments`]: ['POST'],
    [`${API_PREFIX}/orders/:orderId/refund-requests`]: ['GET', 'POST'],
    [`${API_PREFIX}/orders/:orderId/refund-requests/:refundRequestId`]: ['PATCH'],
    [`${API_PREFIX}/customers`]: ['GET', 'POST'],
    [`${API_PREFIX}/customers/:customerId`]: ['GET', 'PATCH'],
  });
}

const sourceOf = (request: SandboxRequest): string | undefined =>
  parseChangeSource(request.headers[CHANGE_SOURCE_HEADER]);

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'QUERY'];

/**
 * Any other method on a known path answers 405 with `Allow` listing the methods it serves, as
 * RFC 9110 section 15.5.6 requires (the shared shell's 405 carries no Allow; found by schemathesis).
 */
function withAllowHeaders(router: Router, served: Record<string, readonly string[]>): Router {
  for (const [path, methods] of Object.entries(served)) {
    const allow = methods.join(', ');
    for (const method of HTTP_METHODS.filter((candidate) => !methods.includes(candidate))) {
      router.on(method, path, (request) => ({
        status: 405,
        headers: { allow },
        body: errorBody(405, 'method_not_allowed', `${method} is not allowed on ${request.path}.`),
      }));
    }
  }
  return router;
}
