import type { Customer, Order, Page } from '../../../sandbox/monstock/types';
import { contractClient, type ContractClient } from './support/contract';
import { createCustomer, createOrder, movement } from './support/fixtures';
import { documentedErrorCodes, loadSpec } from './support/openapi';
import { startTestSandbox, type TestSandbox } from './support/sandbox';

/**
 * Driven by docs/monstock-api.yaml: every answer is validated against the documented schema
 * (strictly: no undeclared fields), and the last test fails if any documented
 * (path, method, status) or documented error code was never produced.
 */
const spec = loadSpec();
let sandbox: TestSandbox;
let contract: ContractClient;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  contract = contractClient(spec, sandbox.call);
});
afterAll(() => sandbox.dispose());

test('the contract file was read', () => {
  expect(contract.documented.length).toBeGreaterThanOrEqual(15);
  expect(documentedErrorCodes(spec).map((pair) => pair.status)).toEqual([400, 401, 404, 409, 412, 413, 422, 429]);
});

describe('customers', () => {
  test('POST /customers 201, GET /customers/{id} 200, GET /customers 200', async () => {
    const { call } = contract;
    const created = await call<Customer>('POST', '/v1/customers', {
      body: {
        email: 'ada@example.test',
        name: 'Ada',
        phone: '+33 6 12 34 56 78',
        address: { line1: '1 rue X', city: 'Paris', postalCode: '75001', country: 'FR' },
      },
    });
    expect(created.status).toBe(201);
    expect((await call('GET', `/v1/customers/${created.body.id}`)).status).toBe(200);
    const page = await call<Page<Customer>>('GET', '/v1/customers?limit=10');
    expect(page.status).toBe(200);
    expect(page.body.data.map((customer) => customer.id)).toContain(created.body.id);
    expect((await call('GET', '/v1/customers?email=ADA@example.test&updatedSince=2000-01-01T00:00:00Z')).status).toBe(
      200,
    );
  });

  test('PATCH /customers/{id} 200 and 412', async () => {
    const { call } = contract;
    const customer = await createCustomer(call);
    const patched = await call<Customer>('PATCH', `/v1/customers/${customer.id}`, {
      headers: { 'if-match': '1' },
      body: { name: 'Renamed', externalRefs: { stripeCustomerId: 'cus_123' } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.version).toBe(2);
    const stale = await call('PATCH', `/v1/customers/${customer.id}`, {
      headers: { 'if-match': '1' },
      body: { name: 'Again' },
    });
    expect(stale.status).toBe(412);
  });

  test('GET /customers/{id} 404', async () => {
    expect((await contract.call('GET', '/v1/customers/mcu_missing')).status).toBe(404);
  });
});

describe('orders', () => {
  test('POST /orders 201, GET /orders/{id} 200, GET /orders 200', async () => {
    const { call } = contract;
    const customer = await createCustomer(call);
    const created = await call<Order>('POST', '/v1/orders', {
      body: {
        reference: 'A-1',
        customerId: customer.id,
        currency: 'EUR',
        lines: [{ sku: 'S', label: 'Socks', quantity: 3, unitAmount: 250 }],
      },
    });
    expect(created.status).toBe(201);
    expect((await call('GET', `/v1/orders/${created.body.id}`)).status).toBe(200);
    const page = await call<Page<Order>>('GET', '/v1/orders?limit=200&paymentStatus=unpaid');
    expect(page.status).toBe(200);
    expect(page.body.data.map((order) => order.id)).toContain(created.body.id);
  });

  test('PATCH /orders/{id} 200 and 412', async () => {
    const { call } = contract;
    const order = await createOrder(call, (await createCustomer(call)).id);
    const patched = await call<Order>('PATCH', `/v1/orders/${order.id}`, {
      headers: { 'if-match': '"1"' },
      body: { status: 'preparing', externalRefs: { stripePaymentIntentId: 'pi_9' } },
    });
    expect(patched.status).toBe(200);
    expect(
      (await call('PATCH', `/v1/orders/${order.id}`, { headers: { 'if-match': '1' }, body: { status: 'shipped' } }))
        .status,
    ).toBe(412);
  });

  test('GET /orders/{id} 404', async () => {
    expect((await contract.call('GET', '/v1/orders/ord_missing')).status).toBe(404);
  });

  test('POST /orders/{id}/payments 201, 200 and 409', async () => {
    const { call } = contract;
    const order = await createOrder(call, (await createCustomer(call)).id);
    const path = `/v1/orders/${order.id}/payments`;
    const first = await call<Order>('POST', path, {
      body: movement({ method: 'card', methodDetails: 'visa ****4242', feeAmount: 45, netAmount: 955 }),
    });
    expect(first.status).toBe(201);
    expect((await call('POST', path, { body: movement() })).status).toBe(200);
    expect((await call('POST', path, { body: movement({ amount: 999 }) })).status).toBe(409);
    const refund = await call('POST', path, {
      body: movement({ kind: 'refund', transactionRef: 're_1', amount: 200, status: 'pending' }),
    });
    expect(refund.status).toBe(201);
  });
});

describe('refund requests (ours)', () => {
  test('POST 201, GET 200, PATCH 200, 409, 404 and 422', async () => {
    const { call } = contract;
    const order = await createOrder(call, (await createCustomer(call)).id, { paymentCapture: 'on_shipment' });
    const base = `/v1/orders/${order.id}/refund-requests`;
    const created = await call<{ id: string }>('POST', base, {
      body: { amount: 300, currency: 'EUR', reason: 'returned' },
    });
    expect(created.status).toBe(201);
    expect((await call('POST', base, { body: { amount: 300, currency: 'USD' } })).status).toBe(422);
    expect(
      (await call('POST', '/v1/orders/ord_missing/refund-requests', { body: { amount: 1, currency: 'EUR' } })).status,
    ).toBe(404);
    expect((await call('GET', `${base}?limit=10`)).status).toBe(200);
    const path = `${base}/${created.body.id}`;
    const done = await call('PATCH', path, { body: { status: 'succeeded', stripeRefundIds: ['re_1'] } });
    expect(done.status).toBe(200);
    expect((await call('PATCH', path, { body: { status: 'processing' } })).status).toBe(409);
    expect((await call('PATCH', `${base}/rfq_missing`, { body: { status: 'processing' } })).status).toBe(404);
  });

  test('an authorised payment on an order captured at shipment', async () => {
    const { call } = contract;
    const order = await createOrder(call, (await createCustomer(call)).id, { paymentCapture: 'on_shipment' });
    const held = await call<Order>('POST', `/v1/orders/${order.id}/payments`, {
      body: movement({ amount: order.totalAmount, status: 'authorized' }),
    });
    expect(held.status).toBe(201);
    expect(held.body.paymentStatus).toBe('authorized');
  });
});

describe('documented error codes', () => {
  test('400 invalid_request', async () => {
    expect((await contract.call('GET', '/v1/orders?limit=500')).status).toBe(400);
    expect((await contract.call('POST', '/v1/customers', { rawBody: '{"email":' })).status).toBe(400);
  });

  test('401 unauthorized', async () => {
    expect((await contract.call('GET', '/v1/orders', { token: null })).status).toBe(401);
    expect((await contract.call('GET', '/v1/customers', { token: 'wrong' })).status).toBe(401);
  });

  test('413 payload_too_large', async () => {
    const huge = JSON.stringify({ email: 'a@b.co', name: 'x'.repeat(1024 * 1024) });
    expect((await contract.call('POST', '/v1/customers', { rawBody: huge })).status).toBe(413);
  });

  test('422 validation_failed', async () => {
    expect((await contract.call('POST', '/v1/customers', { body: { name: 'No email' } })).status).toBe(422);
  });

  test('429 rate_limited with Retry-After', async () => {
    await sandbox.call('POST', '/_sandbox/faults', { body: { rateLimitPerSecond: 1 } });
    try {
      const statuses: number[] = [];
      for (let index = 0; index < 3; index += 1) statuses.push((await contract.call('GET', '/v1/customers')).status);
      expect(statuses).toContain(429);
    } finally {
      await sandbox.call('POST', '/_sandbox/faults', { body: {} });
    }
  });
});

test('every documented (path, method, status) and error code was exercised', () => {
  expect(contract.unexercised()).toEqual([]);
  expect(contract.unexercisedErrorCodes()).toEqual([]);
});
