import { contractClient, ContractViolation } from './support/contract';
import { loadSpec } from './support/openapi';
import type { Call, HttpAnswer } from './support/sandbox';
import { validate } from './support/schemaValidator';

/** The contract checks must be able to fail, or a green contract test proves nothing. */
const spec = loadSpec();
const context = { root: spec, strict: true };
const order = {
  id: 'ord_1',
  reference: 'R',
  customerId: 'mcu_1',
  currency: 'EUR',
  lines: [{ sku: 'S', quantity: 1, unitAmount: 100 }],
  totalAmount: 100,
  status: 'confirmed',
  paymentCapture: 'automatic',
  paymentStatus: 'unpaid',
  amountPaid: 0,
  amountRefunded: 0,
  payments: [
    {
      id: 'pay_1',
      kind: 'payment',
      transactionRef: 'pi_1',
      amount: 100,
      currency: 'EUR',
      status: 'pending',
      occurredAt: '2024-01-01T00:00:00.000Z',
      provider: 'stripe',
      recordedAt: '2024-01-01T00:00:00.000Z',
    },
  ],
  externalRefs: { stripePaymentIntentId: 'pi_1', other: 'x' },
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
  version: 1,
};
const orderSchema = { $ref: '#/components/schemas/Order' };

describe('schema validator', () => {
  test('accepts a valid order', () => {
    expect(validate(orderSchema, order, context)).toEqual([]);
  });

  test.each<[string, (value: typeof order) => unknown, string]>([
    ['a missing required field', ({ version: _v, ...rest }) => rest, 'missing required property version'],
    ['a wrong type', (value) => ({ ...value, totalAmount: '100' }), '$.totalAmount: expected integer'],
    ['a non-integer', (value) => ({ ...value, amountPaid: 1.5 }), '$.amountPaid: expected integer'],
    ['a value outside the enum', (value) => ({ ...value, paymentStatus: 'settled' }), '$.paymentStatus'],
    [
      'a line below its minimum',
      (value) => ({ ...value, lines: [{ sku: 'S', quantity: 0, unitAmount: 1 }] }),
      '$.lines[0].quantity: 0 < minimum 1',
    ],
    ['an undeclared field', (value) => ({ ...value, secret: true }), 'property secret is not in the contract'],
    [
      'an undeclared field inside allOf',
      (value) => ({ ...value, payments: [{ ...value.payments[0], extra: 1 }] }),
      '$.payments[0]: property extra',
    ],
    [
      'an allOf branch requirement',
      (value) => ({ ...value, payments: [{ ...value.payments[0], recordedAt: undefined }] }),
      'missing required property recordedAt',
    ],
    [
      'a non-string external ref',
      (value) => ({ ...value, externalRefs: { other: 1 } }),
      '$.externalRefs.other: expected string',
    ],
    ['a bad date-time', (value) => ({ ...value, updatedAt: 'yesterday' }), 'not an RFC 3339 date-time'],
  ])('rejects %s', (_name, mutate, expected) => {
    const problems = validate(orderSchema, JSON.parse(JSON.stringify(mutate(order))), context);
    expect(problems.join('\n')).toContain(expected);
  });

  test('type arrays allow null', () => {
    expect(validate({ $ref: '#/components/schemas/OrderPage' }, { data: [], nextCursor: null }, context)).toEqual([]);
    expect(validate({ $ref: '#/components/schemas/OrderPage' }, { data: [], nextCursor: 3 }, context)).not.toEqual([]);
  });
});

describe('contract client', () => {
  const fake = (
    status: number,
    body: unknown,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ): Call => (async () => ({ status, headers, text: JSON.stringify(body), body }) as HttpAnswer<never>) as Call;

  test('lists what was not exercised', async () => {
    const client = contractClient(spec, fake(200, order));
    await client.call('GET', '/v1/orders/ord_1');
    expect(client.unexercised()).not.toContain('GET /orders/{orderId} 200');
    // Error answers are ticked off by code, not per operation.
    expect(client.unexercised()).not.toContain('GET /orders/{orderId} 404');
    expect(client.unexercisedErrorCodes()).toContain('413 payload_too_large');
  });

  test('refuses a body that breaks the schema', async () => {
    await expect(
      contractClient(spec, fake(200, { ...order, paymentStatus: 'nope' })).call('GET', '/v1/orders/ord_1'),
    ).rejects.toThrow(ContractViolation);
  });

  test('refuses an undocumented success status', async () => {
    await expect(contractClient(spec, fake(200, order)).call('POST', '/v1/orders')).rejects.toThrow(/not documented/);
  });

  test('refuses an error body of the wrong shape or code', async () => {
    await expect(contractClient(spec, fake(404, { message: 'x' })).call('GET', '/v1/orders/x')).rejects.toThrow(
      ContractViolation,
    );
    await expect(
      contractClient(spec, fake(404, { error: { code: 'missing', message: 'x' } })).call('GET', '/v1/orders/x'),
    ).rejects.toThrow(/not_found/);
  });

  test('refuses a 429 without Retry-After', async () => {
    await expect(
      contractClient(spec, fake(429, { error: { code: 'rate_limited', message: 'x' } })).call('GET', '/v1/orders'),
    ).rejects.toThrow(/Retry-After/);
  });
});
