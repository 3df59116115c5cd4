import type { Customer, Order, Page } from '../../../sandbox/monstock/types';
import { createCustomer } from './support/fixtures';
import { errorOf, useSandbox } from './support/suite';

const { call, admin } = useSandbox();

beforeEach(async () => {
  expect((await admin('POST', '/_sandbox/reset')).status).toBe(200);
});

async function seed(customers: number, orders: number): Promise<{ customers: string[]; orders: string[] }> {
  const answer = await admin<{ customers: string[]; orders: string[] }>('POST', '/_sandbox/seed', {
    body: { customers, orders, webhooks: false },
  });
  expect(answer.status).toBe(201);
  return answer.body;
}

function sortedByKey<T extends { updatedAt: string; id: string }>(items: T[]): boolean {
  return items.every((item, index) => {
    const previous = items[index - 1];
    return (
      !previous ||
      previous.updatedAt < item.updatedAt ||
      (previous.updatedAt === item.updatedAt && previous.id < item.id)
    );
  });
}

async function readAll<T extends { updatedAt: string; id: string }>(
  path: string,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const answer: { status: number; body: Page<T> } = await call<Page<T>>(
      'GET',
      `${path}${cursor ? `${separator}cursor=${cursor}` : ''}`,
    );
    expect(answer.status).toBe(200);
    items.push(...answer.body.data);
    cursor = answer.body.nextCursor;
    pages += 1;
  } while (cursor);
  return { items, pages };
}

describe('pagination', () => {
  test('pages through everything in (updatedAt, id) order with the given limit', async () => {
    const seeded = await seed(3, 25);
    const first = await call<Page<Order>>('GET', '/v1/orders?limit=7');
    expect(first.body.data).toHaveLength(7);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const { items, pages } = await readAll<Order>('/v1/orders?limit=7');
    expect(pages).toBe(4);
    expect(items.map((order) => order.id).sort()).toEqual([...seeded.orders].sort());
    expect(sortedByKey(items)).toBe(true);
  });

  test('default limit is 50; the last page has a null cursor', async () => {
    await seed(1, 60);
    const first = await call<Page<Order>>('GET', '/v1/orders');
    expect(first.body.data).toHaveLength(50);
    const second = await call<Page<Order>>('GET', `/v1/orders?cursor=${first.body.nextCursor}`);
    expect(second.body.data).toHaveLength(10);
    expect(second.body.nextCursor).toBeNull();
    const exact = await call<Page<Order>>('GET', '/v1/orders?limit=60');
    expect(exact.body.data).toHaveLength(60);
    expect(exact.body.nextCursor).toBeNull();
  });

  test('the same cursor gives the same page while nothing changes', async () => {
    await seed(1, 10);
    const first = await call<Page<Order>>('GET', '/v1/orders?limit=3');
    const again = await call<Page<Order>>('GET', `/v1/orders?limit=3&cursor=${first.body.nextCursor}`);
    const twice = await call<Page<Order>>('GET', `/v1/orders?limit=3&cursor=${first.body.nextCursor}`);
    expect(twice.body).toEqual(again.body);
  });

  test('no record is missed or repeated while records change between pages', async () => {
    const seeded = await seed(2, 30);
    const customerId = seeded.customers[0] ?? '';
    const seen: Order[] = [];
    const updatedSeen: string[] = [];
    const updatedUnseen: string[] = [];
    const created: string[] = [];
    let cursor: string | null = null;
    let pageIndex = 0;
    do {
      const answer: { body: Page<Order> } = await call<Page<Order>>(
        'GET',
        `/v1/orders?limit=5${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...answer.body.data);
      cursor = answer.body.nextCursor;
      pageIndex += 1;
      if (pageIndex <= 3) {
        // After each early page: change an order already read, one not read yet, and add one.
        const seenIds = new Set(seen.map((order) => order.id));
        const readAlready = seen.find((order) => !updatedSeen.includes(order.id))?.id ?? '';
        const notYetRead = seeded.orders.find((id) => !seenIds.has(id) && !updatedUnseen.includes(id)) ?? '';
        expect((await call('PATCH', `/v1/orders/${readAlready}`, { body: { status: 'preparing' } })).status).toBe(200);
        expect((await call('PATCH', `/v1/orders/${notYetRead}`, { body: { status: 'preparing' } })).status).toBe(200);
        updatedSeen.push(readAlready);
        updatedUnseen.push(notYetRead);
        const fresh = await call<Order>('POST', '/v1/orders', {
          body: { reference: `NEW-${pageIndex}`, customerId, currency: 'EUR', lines: [] },
        });
        created.push(fresh.body.id);
      }
    } while (cursor);

    const count = (id: string): number => seen.filter((order) => order.id === id).length;
    const versions = seen.map((order) => `${order.id}@${order.version}`);
    expect(new Set(versions).size).toBe(versions.length);
    expect(updatedSeen).toHaveLength(3);
    expect(updatedUnseen).toHaveLength(3);
    // Untouched orders exactly once; new ones and ones changed before being read, once, current.
    for (const id of seeded.orders.filter((id) => !updatedSeen.includes(id))) expect(count(id)).toBe(1);
    for (const id of [...updatedUnseen, ...created]) expect(count(id)).toBe(1);
    for (const id of updatedUnseen) expect(seen.find((order) => order.id === id)?.status).toBe('preparing');
    // An order changed after it was read comes round again, as its new version: a sync sees the change.
    for (const id of updatedSeen)
      expect(seen.filter((order) => order.id === id).map((order) => order.version)).toEqual([1, 2]);
  });

  test.each([
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1.5', 'limit'],
    ['cursor=not%20a%20cursor', 'cursor'],
    [`cursor=${Buffer.from('hello').toString('base64url')}`, 'cursor'],
    [`cursor=${Buffer.from(JSON.stringify(['yesterday', 'ord_1'])).toString('base64url')}`, 'cursor'],
    ['updatedSince=yesterday', 'updatedSince'],
    ['updatedSince=2024-13-01T00:00:00Z', 'updatedSince'],
    ['updatedSince=2024-01-01', 'updatedSince'],
    ['paymentStatus=nope', 'paymentStatus'],
    ['updated_since=2024-01-01T00:00:00Z', 'updated_since'],
  ])('?%s is 400 invalid_request naming the parameter', async (query, name) => {
    for (const resource of ['orders', 'customers']) {
      if (name === 'paymentStatus' && resource === 'customers') continue;
      const answer = await call('GET', `/v1/${resource}?${query}`);
      expect(answer.status).toBe(400);
      expect(errorOf(answer.body)).toEqual({ code: 'invalid_request', message: expect.stringContaining(name) });
    }
  });

  test('limit 1 and 200 are the bounds', async () => {
    expect((await call('GET', '/v1/orders?limit=1')).status).toBe(200);
    expect((await call('GET', '/v1/customers?limit=200')).status).toBe(200);
  });
});

describe('filters', () => {
  test('updatedSince keeps updatedAt >= the value, whatever the offset', async () => {
    const seeded = await seed(1, 6);
    const all = (await call<Page<Order>>('GET', '/v1/orders')).body.data;
    const pivot = all[3] as Order;
    const since = await call<Page<Order>>('GET', `/v1/orders?updatedSince=${encodeURIComponent(pivot.updatedAt)}`);
    expect(since.body.data.map((order) => order.id)).toEqual(all.slice(3).map((order) => order.id));
    const shifted = new Date(pivot.updatedAt);
    const withOffset = `${new Date(shifted.getTime() + 2 * 3600_000).toISOString().slice(0, 23)}+02:00`;
    const same = await call<Page<Order>>('GET', `/v1/orders?updatedSince=${encodeURIComponent(withOffset)}`);
    expect(same.body.data.map((order) => order.id)).toEqual(all.slice(3).map((order) => order.id));
    await call('PATCH', `/v1/orders/${seeded.orders[0]}`, { body: { status: 'shipped' } });
    const after = await call<Page<Order>>('GET', `/v1/orders?updatedSince=${encodeURIComponent(pivot.updatedAt)}`);
    expect(after.body.data.at(-1)?.id).toBe(seeded.orders[0]);
    const customers = await call<Page<Customer>>('GET', '/v1/customers?updatedSince=2999-01-01T00:00:00Z');
    expect(customers.body).toEqual({ data: [], nextCursor: null });
  });

  test('email is a case-insensitive exact match', async () => {
    const target = await createCustomer(call, { email: 'Mixed.Case@Example.COM' });
    await createCustomer(call, { email: 'mixed.case@example.com.evil.test' });
    await createCustomer(call, { email: 'other@example.com' });
    const found = await call<Page<Customer>>(
      'GET',
      `/v1/customers?email=${encodeURIComponent('mixed.case@EXAMPLE.com')}`,
    );
    expect(found.body.data.map((customer) => customer.id)).toEqual([target.id]);
    const partial = await call<Page<Customer>>('GET', '/v1/customers?email=mixed');
    expect(partial.body.data).toEqual([]);
    await call('PATCH', `/v1/customers/${target.id}`, { body: { email: 'renamed@example.com' } });
    expect((await call<Page<Customer>>('GET', '/v1/customers?email=Mixed.Case@Example.COM')).body.data).toEqual([]);
  });

  test('customers page like orders do', async () => {
    const seeded = await seed(11, 0);
    const { items, pages } = await readAll<Customer>('/v1/customers?limit=4');
    expect(pages).toBe(3);
    expect(items.map((customer) => customer.id).sort()).toEqual([...seeded.customers].sort());
    expect(sortedByKey(items)).toBe(true);
  });
});
