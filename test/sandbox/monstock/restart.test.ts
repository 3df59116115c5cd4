import fs from 'node:fs';
import type { Customer, Order, Page } from '../../../sandbox/monstock/types';
import { createCustomer, createOrder, movement } from './support/fixtures';
import { startReceiver, type Receiver } from './support/receiver';
import { startTestSandbox, tempDataFile, waitUntil } from './support/sandbox';

let temp: { dir: string; file: string };
let receiver: Receiver | undefined;

beforeEach(() => {
  temp = tempDataFile();
});
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  fs.rmSync(temp.dir, { recursive: true, force: true });
});

test('records, versions and events survive closing and reopening the same file', async () => {
  const first = await startTestSandbox({ dataFile: temp.file });
  const customer = await createCustomer(first.call, { externalRefs: { stripeCustomerId: 'cus_1' } });
  const order = await createOrder(first.call, customer.id);
  const paid = (await first.call<Order>('POST', `/v1/orders/${order.id}/payments`, { body: movement() })).body;
  const eventsBefore = (await first.call<{ data: unknown[] }>('GET', '/_sandbox/events')).body.data;
  await first.close();
  expect(fs.existsSync(temp.file)).toBe(true);

  const second = await startTestSandbox({ dataFile: temp.file });
  try {
    expect((await second.call<Customer>('GET', `/v1/customers/${customer.id}`)).body).toEqual(customer);
    expect((await second.call<Order>('GET', `/v1/orders/${order.id}`)).body).toEqual(paid);
    expect((await second.call<Page<Order>>('GET', '/v1/orders')).body.data.map((item) => item.id)).toEqual([order.id]);
    expect((await second.call<{ data: unknown[] }>('GET', '/_sandbox/events')).body.data).toEqual(eventsBefore);

    // Still idempotent across the restart, and versions carry on.
    expect((await second.call('POST', `/v1/orders/${order.id}/payments`, { body: movement() })).status).toBe(200);
    const patched = await second.call<Order>('PATCH', `/v1/orders/${order.id}`, {
      headers: { 'if-match': String(paid.version) },
      body: { status: 'shipped' },
    });
    expect(patched.body.version).toBe(paid.version + 1);
    expect(patched.body.updatedAt > paid.updatedAt).toBe(true);
  } finally {
    await second.close();
  }
});

test('a webhook still undelivered at shutdown is delivered after the restart', async () => {
  let accept = false;
  receiver = await startReceiver(() => (accept ? 200 : 503));
  const first = await startTestSandbox({ dataFile: temp.file, webhookUrl: receiver.url });
  const customer = await createCustomer(first.call);
  await waitUntil(() => (receiver?.attempts.length ?? 0) >= 1, 'the first refused attempt');
  await first.close();

  accept = true;
  const second = await startTestSandbox({ dataFile: temp.file, webhookUrl: receiver.url });
  try {
    await waitUntil(() => (receiver?.delivered().length ?? 0) >= 1, 'delivery after the restart');
    expect(receiver.delivered()[0]?.event).toMatchObject({
      type: 'customer.created',
      data: { object: { id: customer.id } },
    });
  } finally {
    await second.close();
  }
});
