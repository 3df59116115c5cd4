import type { CustomerService } from './customerService';
import { validationFailed } from './errors';
import type { OrderService } from './orderService';
import type { SeedInput } from './schemas';
import type { MonstockStore } from './store';

/**
 * Test data that reads like a shop's: numbered customers and orders, amounts that vary in a
 * fixed pattern. Numbering continues from what is already stored, so repeated seeds never
 * produce two orders with the same reference.
 */
export interface SeedResult {
  customers: string[];
  orders: string[];
}

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/** `deps` are one tenant's: numbering and data are that tenant's own. */
export function seed(
  deps: { store: MonstockStore; orders: OrderService; customers: CustomerService },
  input: SeedInput,
): SeedResult {
  if (input.orders > 0 && input.customers === 0)
    throw validationFailed('customers: must be at least 1 when orders are seeded.');
  const publish = input.webhooks;
  return deps.store.transaction(() => {
    const customerBase = deps.store.countCustomers();
    const customers: string[] = [];
    for (let index = 1; index <= input.customers; index += 1) {
      const n = customerBase + index;
      const customer = deps.customers.create(
        {
          email: `customer${pad(n, 4)}@example.test`,
          name: `Test Customer ${pad(n, 4)}`,
          phone: `+33 6 00 00 ${pad(n % 100, 2)} ${pad(Math.floor(n / 100) % 100, 2)}`,
          address: { line1: `${n} rue de la Paix`, postalCode: '75002', city: 'Paris', country: 'FR' },
        },
        { publish },
      );
      customers.push(customer.id);
    }
    const orderBase = deps.store.countOrders();
    const orders: string[] = [];
    for (let index = 1; index <= input.orders; index += 1) {
      const n = orderBase + index;
      const order = deps.orders.create(
        {
          reference: `SEED-${pad(n, 6)}`,
          customerId: customers[(index - 1) % customers.length] ?? '',
          currency: input.currency,
          lines: [
            {
              sku: `SKU-${pad((n % 7) + 1, 3)}`,
              label: `Article ${(n % 7) + 1}`,
              quantity: (n % 3) + 1,
              unitAmount: 500 + (n % 10) * 250,
            },
            ...(n % 2 === 0 ? [{ sku: 'SKU-SHIP', label: 'Shipping', quantity: 1, unitAmount: 490 }] : []),
          ],
        },
        { publish },
      );
      orders.push(order.id);
    }
    return { customers, orders };
  });
}
