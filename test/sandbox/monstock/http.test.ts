import { Readable } from 'node:stream';
import type { Customer, Order } from '../../../sandbox/monstock/types';
import { createCustomer, createOrder, movement } from './support/fixtures';
import { TEST_TOKEN } from './support/sandbox';
import { errorOf, useSandbox } from './support/suite';

const { call, admin } = useSandbox();

describe('authentication', () => {
  test.each<[string, Record<string, string>, string | null]>([
    ['no Authorization header', {}, null],
    ['a wrong token', {}, 'not-the-token'],
    ['another scheme', { authorization: `Basic ${TEST_TOKEN}` }, null],
    ['a token with a suffix', {}, `${TEST_TOKEN}x`],
    ['a prefix of the token', {}, TEST_TOKEN.slice(0, -1)],
  ])('%s is 401 unauthorized', async (_name, headers, token) => {
    for (const [method, path] of [
      ['GET', '/v1/orders'],
      ['POST', '/v1/customers'],
      ['GET', '/v1/customers/mcu_x'],
      ['PATCH', '/v1/orders/ord_x'],
    ]) {
      const answer = await call(method as string, path as string, { headers, token, body: {} });
      expect(answer.status).toBe(401);
      expect(errorOf(answer.body).code).toBe('unauthorized');
    }
  });

  test('the right token passes, case-insensitive scheme included', async () => {
    expect((await call('GET', '/v1/orders')).status).toBe(200);
    expect(
      (await call('GET', '/v1/orders', { token: null, headers: { authorization: `bearer ${TEST_TOKEN}` } })).status,
    ).toBe(200);
  });

  test('admin routes need no token', async () => {
    expect((await admin('GET', '/_sandbox/faults', { token: null })).status).toBe(200);
  });
});

describe('not found', () => {
  test.each([
    ['GET', '/v1/orders/ord_nope'],
    ['PATCH', '/v1/orders/ord_nope'],
    ['POST', '/v1/orders/ord_nope/payments'],
    ['GET', '/v1/customers/mcu_nope'],
    ['PATCH', '/v1/customers/mcu_nope'],
    ['GET', '/v1/nothing-here'],
    ['GET', '/v1/orders/%E0%A4%A'],
  ])('%s %s is 404 not_found', async (method, path) => {
    const body = method === 'POST' ? movement() : method === 'PATCH' ? {} : undefined;
    const answer = await call(method, path, body === undefined ? {} : { body });
    expect(answer.status).toBe(404);
    expect(errorOf(answer.body).code).toBe('not_found');
  });
});

describe('request bodies', () => {
  test('malformed JSON is 400 invalid_request', async () => {
    const answer = await call('POST', '/v1/orders', { rawBody: '{"reference": "x",' });
    expect(answer.status).toBe(400);
    expect(errorOf(answer.body)).toEqual({ code: 'invalid_request', message: expect.stringContaining('JSON') });
  });

  test('a body over 1 MiB is 413 payload_too_large', async () => {
    const answer = await call('POST', '/v1/orders', { rawBody: Buffer.alloc(1024 * 1024 + 1, 'a') });
    expect(answer.status).toBe(413);
    expect(errorOf(answer.body).code).toBe('payload_too_large');
  });

  test('a chunked body over 1 MiB (no Content-Length) is 413 too', async () => {
    const chunks = Array.from({ length: 17 }, () => Buffer.alloc(64 * 1024, 'a'));
    const answer = await call('POST', '/v1/customers', { rawBody: Readable.from(chunks) });
    expect(answer.status).toBe(413);
    expect(errorOf(answer.body).code).toBe('payload_too_large');
  });

  test('a body of exactly 1 MiB is read (and judged on its content)', async () => {
    const padding = 'x'.repeat(1024 * 1024 - JSON.stringify({ email: 'a@b.co', name: '' }).length);
    const body = JSON.stringify({ email: 'a@b.co', name: padding });
    expect(Buffer.byteLength(body)).toBe(1024 * 1024);
    expect((await call('POST', '/v1/customers', { rawBody: body })).status).toBe(201);
  });
});

describe('If-Match', () => {
  test('accepts 3 and "3", refuses a stale version with 412 on both resources', async () => {
    const customer = await createCustomer(call);
    const order = await createOrder(call, customer.id);
    const v2 = await call<Order>('PATCH', `/v1/orders/${order.id}`, {
      headers: { 'if-match': '1' },
      body: { status: 'preparing' },
    });
    expect(v2.body.version).toBe(2);
    const v3 = await call<Order>('PATCH', `/v1/orders/${order.id}`, {
      headers: { 'if-match': '"2"' },
      body: { status: 'shipped' },
    });
    expect(v3.body.version).toBe(3);
    const stale = await call('PATCH', `/v1/orders/${order.id}`, {
      headers: { 'if-match': '2' },
      body: { status: 'delivered' },
    });
    expect(stale.status).toBe(412);
    expect(errorOf(stale.body).code).toBe('version_mismatch');
    expect((await call<Order>('GET', `/v1/orders/${order.id}`)).body.status).toBe('shipped');

    const staleCustomer = await call('PATCH', `/v1/customers/${customer.id}`, {
      headers: { 'if-match': '"7"' },
      body: { name: 'X' },
    });
    expect(staleCustomer.status).toBe(412);
    const fresh = await call<Customer>('PATCH', `/v1/customers/${customer.id}`, {
      headers: { 'if-match': '1' },
      body: { name: 'X' },
    });
    expect(fresh.body).toMatchObject({ name: 'X', version: 2 });
  });

  test('a stale If-Match on recordPayment is 412 and records nothing', async () => {
    const order = await createOrder(call, (await createCustomer(call)).id);
    const stale = await call('POST', `/v1/orders/${order.id}/payments`, {
      headers: { 'if-match': '2' },
      body: movement(),
    });
    expect(stale.status).toBe(412);
    expect((await call<Order>('GET', `/v1/orders/${order.id}`)).body.payments).toEqual([]);
    const ok = await call('POST', `/v1/orders/${order.id}/payments`, {
      headers: { 'if-match': '1' },
      body: movement(),
    });
    expect(ok.status).toBe(201);
  });

  test('a malformed If-Match is 400', async () => {
    const order = await createOrder(call, (await createCustomer(call)).id);
    const answer = await call('PATCH', `/v1/orders/${order.id}`, { headers: { 'if-match': 'abc' }, body: {} });
    expect(answer.status).toBe(400);
    expect(errorOf(answer.body).message).toContain('If-Match');
  });
});
