import type { Customer, Order } from '../../../../sandbox/monstock/types';
import type { Call } from './sandbox';

/** Small builders for the resources most tests need, failing loudly if the sandbox refuses. */
let counter = 0;

export async function createCustomer(call: Call, overrides: Record<string, unknown> = {}): Promise<Customer> {
  counter += 1;
  const answer = await call<Customer>('POST', '/v1/customers', {
    body: { email: `buyer${counter}@example.test`, name: `Buyer ${counter}`, ...overrides },
  });
  if (answer.status !== 201) throw new Error(`createCustomer: ${answer.status} ${answer.text}`);
  return answer.body;
}

export async function createOrder(
  call: Call,
  customerId: string,
  overrides: Record<string, unknown> = {},
): Promise<Order> {
  counter += 1;
  const answer = await call<Order>('POST', '/v1/orders', {
    body: {
      reference: `R-${counter}`,
      customerId,
      currency: 'EUR',
      lines: [{ sku: 'SKU-1', quantity: 2, unitAmount: 500 }],
      ...overrides,
    },
  });
  if (answer.status !== 201) throw new Error(`createOrder: ${answer.status} ${answer.text}`);
  return answer.body;
}

export function movement(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'payment',
    transactionRef: 'pi_1',
    amount: 1000,
    currency: 'EUR',
    status: 'succeeded',
    occurredAt: '2024-05-01T10:00:00.000Z',
    ...overrides,
  };
}
