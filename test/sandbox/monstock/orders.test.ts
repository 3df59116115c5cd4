import type { Order } from '../../../sandbox/monstock/types';
import { createCustomer, createOrder } from './support/fixtures';
import { errorOf, useSandbox } from './support/suite';

const { call } = useSandbox();
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('creating an order', () => {
  test('computes the total and starts unpaid, confirmed, at version 1', async () => {
    const customer = await createCustomer(call);
    const answer = await call<Order>('POST', '/v1/orders', {
      body: {
        reference: 'WEB-1001',
        customerId: customer.id,
        currency: 'EUR',
        lines: [
          { sku: 'TSHIRT', label: 'T-shirt', quantity: 2, unitAmount: 1500 },
          { sku: 'CAP', quantity: 1, unitAmount: 990 },
        ],
      },
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      reference: 'WEB-1001',
      customerId: customer.id,
      currency: 'EUR',
      totalAmount: 3990,
      status: 'confirmed',
      paymentStatus: 'unpaid',
      amountPaid: 0,
      amountRefunded: 0,
      payments: [],
      externalRefs: {},
      version: 1,
    });
    expect(answer.body.id).toMatch(/^ord_[A-Za-z0-9]{20}$/);
    expect(answer.body.createdAt).toMatch(ISO_MS);
    expect(answer.body.updatedAt).toBe(answer.body.createdAt);
    expect((await call<Order>('GET', `/v1/orders/${answer.body.id}`)).body).toEqual(answer.body);
  });

  test('takes an explicit status', async () => {
    const order = await createOrder(call, (await createCustomer(call)).id, { status: 'draft' });
    expect(order.status).toBe('draft');
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['a missing reference', { reference: undefined }, 'reference'],
    ['a missing customerId', { customerId: undefined }, 'customerId'],
    ['an unknown customerId', { customerId: 'mcu_doesnotexist' }, 'customerId'],
    ['a lower-case currency', { currency: 'eur' }, 'currency'],
    ['a four-letter currency', { currency: 'EURO' }, 'currency'],
    ['missing lines', { lines: undefined }, 'lines'],
    ['lines that are not an array', { lines: 'many' }, 'lines'],
    ['a quantity of 0', { lines: [{ sku: 'A', quantity: 0, unitAmount: 1 }] }, 'lines.0.quantity'],
    ['a fractional quantity', { lines: [{ sku: 'A', quantity: 1.5, unitAmount: 1 }] }, 'lines.0.quantity'],
    ['a negative unit amount', { lines: [{ sku: 'A', quantity: 1, unitAmount: -1 }] }, 'lines.0.unitAmount'],
    ['an amount given as a string', { lines: [{ sku: 'A', quantity: 1, unitAmount: '10' }] }, 'lines.0.unitAmount'],
    ['a line without sku', { lines: [{ quantity: 1, unitAmount: 1 }] }, 'lines.0.sku'],
    ['an unknown status', { status: 'lost' }, 'status'],
    ['an unknown field', { discount: 10 }, 'discount'],
    [
      'a total too large to count',
      { lines: [{ sku: 'A', quantity: 2, unitAmount: Number.MAX_SAFE_INTEGER }] },
      'lines',
    ],
  ])('%s is 422 validation_failed naming the field', async (_name, overrides, field) => {
    const customer = await createCustomer(call);
    const body = {
      reference: 'R',
      customerId: customer.id,
      currency: 'EUR',
      lines: [{ sku: 'A', quantity: 1, unitAmount: 1 }],
      ...overrides,
    };
    const answer = await call('POST', '/v1/orders', { body: JSON.parse(JSON.stringify(body)) });
    expect(answer.status).toBe(422);
    expect(errorOf(answer.body).code).toBe('validation_failed');
    expect(errorOf(answer.body).message).toContain(field);
  });

  test('a body that is not an object is 422', async () => {
    expect((await call('POST', '/v1/orders', { rawBody: '[1,2]' })).status).toBe(422);
  });
});

describe('patching an order', () => {
  test('new lines recompute the total and bump version and updatedAt', async () => {
    const order = await createOrder(call, (await createCustomer(call)).id);
    const answer = await call<Order>('PATCH', `/v1/orders/${order.id}`, {
      body: { lines: [{ sku: 'B', quantity: 4, unitAmount: 125 }] },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      totalAmount: 500,
      version: 2,
      lines: [{ sku: 'B', quantity: 4, unitAmount: 125 }],
    });
    expect(answer.body.updatedAt > order.updatedAt).toBe(true);
    expect(answer.body.createdAt).toBe(order.createdAt);
  });

  test('a patch that changes nothing does not bump', async () => {
    const order = await createOrder(call, (await createCustomer(call)).id, { status: 'preparing' });
    for (const body of [{}, { status: 'preparing' }, { lines: order.lines }, { externalRefs: { gone: null } }]) {
      const answer = await call<Order>('PATCH', `/v1/orders/${order.id}`, { body });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(order);
    }
  });

  test('status cancelled cancels', async () => {
    const order = await createOrder(call, (await createCustomer(call)).id);
    const answer = await call<Order>('PATCH', `/v1/orders/${order.id}`, { body: { status: 'cancelled' } });
    expect(answer.body).toMatchObject({ status: 'cancelled', version: 2 });
  });

  test('externalRefs merge key by key; null or "" removes a key', async () => {
    const order = await createOrder(call, (await createCustomer(call)).id);
    const path = `/v1/orders/${order.id}`;
    await call('PATCH', path, { body: { externalRefs: { stripePaymentIntentId: 'pi_1', stripeCustomerId: 'cus_1' } } });
    const merged = await call<Order>('PATCH', path, {
      body: { externalRefs: { erp: 'E-9', stripePaymentIntentId: 'pi_2' } },
    });
    expect(merged.body.externalRefs).toEqual({ stripePaymentIntentId: 'pi_2', stripeCustomerId: 'cus_1', erp: 'E-9' });
    const removed = await call<Order>('PATCH', path, { body: { externalRefs: { stripeCustomerId: null, erp: '' } } });
    expect(removed.body.externalRefs).toEqual({ stripePaymentIntentId: 'pi_2' });
    expect(removed.body.version).toBe(4);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['a zero quantity', { lines: [{ sku: 'A', quantity: 0, unitAmount: 1 }] }, 'lines.0.quantity'],
    ['an unknown status', { status: 'gone' }, 'status'],
    ['a numeric external ref', { externalRefs: { stripeCustomerId: 5 } }, 'externalRefs.stripeCustomerId'],
    ['a field that cannot change', { customerId: 'mcu_other' }, 'customerId'],
    ['a computed field', { totalAmount: 1 }, 'totalAmount'],
  ])('%s is 422 naming the field', async (_name, body, field) => {
    const order = await createOrder(call, (await createCustomer(call)).id);
    const answer = await call('PATCH', `/v1/orders/${order.id}`, { body });
    expect(answer.status).toBe(422);
    expect(errorOf(answer.body).message).toContain(field);
    expect((await call<Order>('GET', `/v1/orders/${order.id}`)).body.version).toBe(1);
  });
});
