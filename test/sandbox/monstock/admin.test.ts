import type { Customer, MonstockEvent, Order, Page } from '../../../sandbox/monstock/types';
import { createCustomer, createOrder } from './support/fixtures';
import { useSandbox } from './support/suite';

const { call, admin } = useSandbox();

type StoredEvent = MonstockEvent & { seq: number };
const events = async (query = ''): Promise<StoredEvent[]> =>
  (await admin<{ data: StoredEvent[] }>('GET', `/_sandbox/events${query}`)).body.data;

beforeEach(async () => {
  await admin('POST', '/_sandbox/reset');
});

describe('POST /_sandbox/seed', () => {
  test('creates numbered customers and orders and returns their ids', async () => {
    const answer = await admin<{ customers: string[]; orders: string[] }>('POST', '/_sandbox/seed', {
      body: { customers: 2, orders: 5, currency: 'USD' },
    });
    expect(answer.status).toBe(201);
    expect(answer.body.customers).toHaveLength(2);
    expect(answer.body.orders).toHaveLength(5);
    const customer = (await call<Customer>('GET', `/v1/customers/${answer.body.customers[1]}`)).body;
    expect(customer).toMatchObject({
      email: 'customer0002@example.test',
      name: 'Test Customer 0002',
      address: { country: 'FR' },
    });
    const orders = await Promise.all(
      answer.body.orders.map(async (id) => (await call<Order>('GET', `/v1/orders/${id}`)).body),
    );
    expect(orders.map((order) => order.reference)).toEqual([
      'SEED-000001',
      'SEED-000002',
      'SEED-000003',
      'SEED-000004',
      'SEED-000005',
    ]);
    expect(orders.map((order) => order.customerId)).toEqual(
      [0, 1, 0, 1, 0].map((index) => answer.body.customers[index]),
    );
    expect(
      orders.every((order) => order.currency === 'USD' && order.totalAmount > 0 && order.paymentStatus === 'unpaid'),
    ).toBe(true);
    expect((await events()).map((event) => event.type)).toEqual([
      ...Array(2).fill('customer.created'),
      ...Array(5).fill('order.created'),
    ]);

    const more = await admin<{ orders: string[] }>('POST', '/_sandbox/seed', { body: { customers: 1, orders: 1 } });
    const next = (await call<Order>('GET', `/v1/orders/${more.body.orders[0]}`)).body;
    expect(next).toMatchObject({ reference: 'SEED-000006', currency: 'EUR' });
  });

  test('webhooks: false seeds silently', async () => {
    await admin('POST', '/_sandbox/seed', { body: { customers: 3, orders: 3, webhooks: false } });
    expect(await events()).toEqual([]);
    expect((await call<Page<Order>>('GET', '/v1/orders')).body.data).toHaveLength(3);
  });

  test.each([
    [{ orders: 2 }, 'customers'],
    [{ customers: -1 }, 'customers'],
    [{ customers: 1, currency: 'euro' }, 'currency'],
    [{ customers: 1, extra: true }, 'extra'],
  ])('%j is 422', async (body, field) => {
    const answer = await admin<{ error: { code: string; message: string } }>('POST', '/_sandbox/seed', { body });
    expect(answer.status).toBe(422);
    expect(answer.body.error.message).toContain(field);
  });
});

describe('GET /_sandbox/events', () => {
  test('lists events in order, filtered by type, object and position', async () => {
    const customer = await createCustomer(call);
    const order = await createOrder(call, customer.id);
    await call('PATCH', `/v1/orders/${order.id}`, { body: { status: 'cancelled' } });
    const all = await events();
    expect(all.map((event) => event.type)).toEqual(['customer.created', 'order.created', 'order.cancelled']);
    expect(all.every((event) => /^evt_/.test(event.id))).toBe(true);
    expect((await events('?type=order.created')).map((event) => event.data.object.id)).toEqual([order.id]);
    expect((await events(`?objectId=${order.id}`)).map((event) => event.type)).toEqual([
      'order.created',
      'order.cancelled',
    ]);
    expect((await events(`?after=${all[0]?.seq}&limit=1`)).map((event) => event.type)).toEqual(['order.created']);
    expect((await admin('GET', '/_sandbox/events?type=nope')).status).toBe(400);
  });
});

describe('POST /_sandbox/reset', () => {
  test('forgets every record and event', async () => {
    const customer = await createCustomer(call);
    await createOrder(call, customer.id);
    expect((await admin('POST', '/_sandbox/reset')).body).toEqual({ reset: true });
    expect((await call<Page<Order>>('GET', '/v1/orders')).body.data).toEqual([]);
    expect((await call<Page<Customer>>('GET', '/v1/customers')).body.data).toEqual([]);
    expect((await call('GET', `/v1/customers/${customer.id}`)).status).toBe(404);
    expect(await events()).toEqual([]);
  });
});

test('a wrong method on an admin route is 405', async () => {
  expect((await admin('GET', '/_sandbox/seed')).status).toBe(405);
});
