import { ApplicationFailure } from '@temporalio/common';
import { MONSTOCK_REJECTED, MONSTOCK_UNAVAILABLE, toActivityFailure } from '../../src/activities/failures';
import { errorFor, type RequestFacts } from '../../src/monstock/errorFor';
import {
  CustomerNotFound,
  InvalidRequest,
  isRetryableStatus,
  MonstockApiError,
  MovementConflict,
  NotFound,
  OrderNotFound,
  parseRetryAfter,
  RateLimited,
  ServerError,
  StaleCursor,
  Unauthorized,
  ValidationFailed,
  VersionConflict,
} from '../../src/monstock/errors';

describe('Monstock error classification', () => {
  it.each([
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [408, true],
    [409, true],
    [412, true],
    [413, false],
    [422, false],
    [429, true],
    [500, true],
    [503, true],
  ])('status %i retryable: %p', (status, expected) => {
    expect(isRetryableStatus(status)).toBe(expected);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-27T10:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Fri, 27 Nov 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter(undefined, now)).toBe(1000);
    expect(parseRetryAfter('soon', now)).toBe(1000);
  });
});

describe('Monstock named errors', () => {
  const answer = (status: number, code = 'some_code') => ({ message: `failed with ${status}`, status, code });
  const noWait = () => 0;
  const anOrder: RequestFacts = { names: { resource: 'order', id: 'ord_1' } };
  const aCustomer: RequestFacts = { names: { resource: 'customer', id: 'cus_1' } };

  it.each([
    ['404 on an order', anOrder, 404, OrderNotFound, false],
    ['404 on a customer', aCustomer, 404, CustomerNotFound, false],
    ['412 on a write with If-Match', anOrder, 412, VersionConflict, true],
    ['400 on a list that sent a page cursor', { sentCursor: true }, 400, StaleCursor, false],
    ['400 on a list without a cursor', {}, 400, InvalidRequest, false],
    ['400 on an order', anOrder, 400, InvalidRequest, false],
    ['401', {}, 401, Unauthorized, false],
    ['403', {}, 403, Unauthorized, false],
    ['409 on recording a movement', { ...anOrder, recordsMovement: true }, 409, MovementConflict, false],
    ['422', anOrder, 422, ValidationFailed, false],
    ['500', {}, 500, ServerError, true],
    ['503', anOrder, 503, ServerError, true],
  ] as const)('%s', (_label, request, status, expected, retryable) => {
    const error = errorFor(request, answer(status), noWait);
    expect(error).toBeInstanceOf(expected);
    expect(error).toBeInstanceOf(MonstockApiError);
    expect(error).toMatchObject({
      status,
      code: 'some_code',
      retryable,
      name: expected.name,
      message: `failed with ${status}`,
    });
  });

  it('names the missing resource', () => {
    const order = errorFor(anOrder, answer(404, 'not_found'), noWait);
    expect(order).toBeInstanceOf(NotFound);
    expect(order).toMatchObject({ resource: 'order', id: 'ord_1' });
    expect(errorFor(aCustomer, answer(404), noWait)).toMatchObject({ resource: 'customer', id: 'cus_1' });
  });

  it('carries the wait Monstock asked for on a 429, and reads it only then', () => {
    const limited = errorFor({}, answer(429, 'rate_limited'), () => 3000);
    expect(limited).toBeInstanceOf(RateLimited);
    expect(limited).toMatchObject({ retryable: true, retryAfterMs: 3000 });
    const readWait = jest.fn(() => 1000);
    expect(errorFor(anOrder, answer(500), readWait).retryAfterMs).toBeUndefined();
    expect(readWait).not.toHaveBeenCalled();
  });

  it.each([
    ['404 on a list', {}, 404, false],
    ['409 outside a movement', anOrder, 409, true],
    ['408', {}, 408, true],
    ['413', {}, 413, false],
  ] as const)('leaves %s a plain MonstockApiError, retryable by its status', (_label, request, status, retryable) => {
    const error = errorFor(request, answer(status), noWait);
    expect(error.constructor).toBe(MonstockApiError);
    expect(error).toMatchObject({ status, retryable, name: 'MonstockApiError' });
  });
});

describe('Monstock errors as Temporal failures', () => {
  const answer = (status: number) => ({ message: `failed with ${status}`, status, code: 'some_code' });

  it('parks what the monstock module calls permanent, and retries the rest', () => {
    const missing = toActivityFailure(new OrderNotFound(answer(404), 'ord_1'));
    expect(missing).toBeInstanceOf(ApplicationFailure);
    expect(missing).toMatchObject({
      type: MONSTOCK_REJECTED,
      nonRetryable: true,
      details: [{ status: 404, code: 'some_code' }],
    });
    expect(toActivityFailure(new VersionConflict(answer(412)))).toMatchObject({
      type: MONSTOCK_UNAVAILABLE,
      nonRetryable: false,
    });
  });

  it('waits as long as a RateLimited asked, and at least 100 ms', () => {
    expect(toActivityFailure(new RateLimited(answer(429), 2500))).toMatchObject({
      type: MONSTOCK_UNAVAILABLE,
      nextRetryDelay: 2500,
    });
    expect(toActivityFailure(new RateLimited(answer(429), 0))).toMatchObject({ nextRetryDelay: 100 });
    expect((toActivityFailure(new ServerError(answer(503))) as ApplicationFailure).nextRetryDelay).toBeUndefined();
  });
});
