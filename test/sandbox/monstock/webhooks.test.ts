import type { OutboxStats } from '../../../sandbox/kit/webhookOutbox';
import type { Customer, MonstockEvent, Order } from '../../../sandbox/monstock/types';
import { createCustomer, createOrder, movement } from './support/fixtures';
import { loadSpec } from './support/openapi';
import { signatureIsValid, startReceiver, type Receiver, type Responder } from './support/receiver';
import { sleep, startTestSandbox, TEST_SECRET, waitUntil, type TestSandbox } from './support/sandbox';
import { validate } from './support/schemaValidator';

const spec = loadSpec();
let receiver: Receiver;
let sandbox: TestSandbox;

async function start(respond?: Responder): Promise<void> {
  receiver = await startReceiver(respond);
  sandbox = await startTestSandbox({ dataFile: ':memory:', webhookUrl: receiver.url });
}

afterEach(async () => {
  await sandbox?.close();
  await receiver?.close();
});

const stats = async (): Promise<OutboxStats> => (await sandbox.call<OutboxStats>('GET', '/_sandbox/webhooks')).body;
const setFaults = async (body: unknown): Promise<void> => {
  expect((await sandbox.call('POST', '/_sandbox/faults', { body })).status).toBe(200);
};

test('every change is sent once, signed, with the full resource after the change', async () => {
  await start();
  const { call } = sandbox;
  const customer = await createCustomer(call);
  await call('PATCH', `/v1/customers/${customer.id}`, { body: { name: 'Renamed' } });
  await call('PATCH', `/v1/customers/${customer.id}`, { body: { name: 'Renamed' } });
  const order = await createOrder(call, customer.id);
  await call('PATCH', `/v1/orders/${order.id}`, { body: { externalRefs: { stripePaymentIntentId: 'pi_1' } } });
  await call('POST', `/v1/orders/${order.id}/payments`, { body: movement() });
  await call('POST', `/v1/orders/${order.id}/payments`, { body: movement() });
  const cancelled = (await call<Order>('PATCH', `/v1/orders/${order.id}`, { body: { status: 'cancelled' } })).body;

  const expectedTypes = [
    'customer.created',
    'customer.updated',
    'order.created',
    'order.updated',
    'order.updated',
    'order.cancelled',
  ];
  await waitUntil(() => receiver.delivered().length >= expectedTypes.length, 'six deliveries');
  await sleep(100);
  const deliveries = receiver.delivered();
  expect(deliveries).toHaveLength(expectedTypes.length);
  const byVersion = [...deliveries].sort((a, b) => a.event.createdAt.localeCompare(b.event.createdAt));
  expect(byVersion.map((delivery) => delivery.event.type)).toEqual(expectedTypes);

  for (const delivery of deliveries) {
    expect(signatureIsValid(delivery.signature, delivery.raw, TEST_SECRET)).toBe(true);
    expect(signatureIsValid(delivery.signature, delivery.raw, 'another-secret')).toBe(false);
    expect(signatureIsValid(delivery.signature, delivery.raw.replace('"version"', '"version" '), TEST_SECRET)).toBe(
      false,
    );
    const event = delivery.event;
    expect(Object.keys(event).sort()).toEqual(['changeSource', 'createdAt', 'data', 'id', 'type']);
    expect(event.changeSource).toBeNull();
    expect(event.id).toMatch(/^evt_/);
    expect(validate({ $ref: '#/components/schemas/EventType' }, event.type, { root: spec, strict: true })).toEqual([]);
    const schema = event.type.startsWith('order.') ? 'Order' : 'Customer';
    expect(
      validate({ $ref: `#/components/schemas/${schema}` }, event.data.object, { root: spec, strict: true }),
    ).toEqual([]);
    expect(event.createdAt).toBe((event.data.object as Order | Customer).updatedAt);
  }
  expect(new Set(deliveries.map((delivery) => delivery.event.id)).size).toBe(deliveries.length);
  const last = byVersion.at(-1)?.event as MonstockEvent;
  expect(last.data.object).toEqual(cancelled);
  const payment = byVersion[4]?.event.data.object as Order;
  expect(payment.paymentStatus).toBe('paid');
  expect((await stats()).delivered).toBe(expectedTypes.length);
});

test('the events of a change name the Monstock-Change-Source its request sent, and only that change', async () => {
  await start();
  const { call } = sandbox;
  const source = { headers: { 'monstock-change-source': 'monstock-stripe' } };
  const customer = (
    await call<Customer>('POST', '/v1/customers', { ...source, body: { email: 'ada@example.com', name: 'Ada' } })
  ).body;
  const order = await createOrder(call, customer.id);
  await call('PATCH', `/v1/orders/${order.id}`, {
    ...source,
    body: { externalRefs: { stripePaymentIntentId: 'pi_1' } },
  });
  await call('POST', `/v1/orders/${order.id}/payments`, { ...source, body: movement() });
  await call('PATCH', `/v1/orders/${order.id}`, { body: { status: 'cancelled' } });

  await waitUntil(() => receiver.delivered().length >= 5, 'five deliveries');
  const byTime = receiver
    .delivered()
    .map((delivery) => delivery.event)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  expect(byTime.map((event) => [event.type, event.changeSource])).toEqual([
    ['customer.created', 'monstock-stripe'],
    ['order.created', null],
    ['order.updated', 'monstock-stripe'],
    ['order.updated', 'monstock-stripe'],
    ['order.cancelled', null],
  ]);
});

test.each([
  ['empty', ''],
  ['too long', 'x'.repeat(65)],
  ['with a space', 'monstock stripe'],
])('a Monstock-Change-Source that is %s is refused with 400, and nothing changes', async (_label, value) => {
  await start();
  const { call } = sandbox;
  const order = await createOrder(call, (await createCustomer(call)).id);
  const answer = await call<{ error: { code: string } }>('PATCH', `/v1/orders/${order.id}`, {
    headers: { 'monstock-change-source': value },
    body: { status: 'cancelled' },
  });
  expect(answer.status).toBe(400);
  expect(answer.body.error.code).toBe('invalid_request');
  expect((await call<Order>('GET', `/v1/orders/${order.id}`)).body.version).toBe(order.version);
});

test('a refused delivery is retried with backoff until it is accepted', async () => {
  await start((_event, attempt) => (attempt < 2 ? 500 : 200));
  const customer = await createCustomer(sandbox.call);
  await waitUntil(() => receiver.delivered().length === 1, 'the third attempt');
  expect(receiver.attempts.map((attempt) => attempt.answered)).toEqual([500, 500, 200]);
  expect(new Set(receiver.attempts.map((attempt) => attempt.event.id)).size).toBe(1);
  expect(receiver.delivered()[0]?.event.data.object).toEqual(customer);
  for (const attempt of receiver.attempts)
    expect(signatureIsValid(attempt.signature, attempt.raw, TEST_SECRET)).toBe(true);
  const gaps = receiver.attempts.slice(1).map((attempt, index) => attempt.at - (receiver.attempts[index]?.at ?? 0));
  // Backoff base 50 ms doubles: ~50 ms, then ~100 ms.
  expect(gaps[0]).toBeGreaterThanOrEqual(40);
  expect(gaps[1]).toBeGreaterThanOrEqual(90);
  expect(await stats()).toMatchObject({ delivered: 1, failedAttempts: 2, pending: 0 });
});

test('duplicateRate 1 delivers every event twice', async () => {
  await start();
  await setFaults({ webhooks: { duplicateRate: 1 } });
  for (let index = 0; index < 3; index += 1) await createCustomer(sandbox.call);
  await waitUntil(() => receiver.delivered().length >= 6, 'six deliveries');
  await sleep(100);
  const ids = receiver.delivered().map((delivery) => delivery.event.id);
  expect(ids).toHaveLength(6);
  const counts = Object.values(
    ids.reduce<Record<string, number>>((acc, id) => ({ ...acc, [id]: (acc[id] ?? 0) + 1 }), {}),
  );
  expect(counts).toEqual([2, 2, 2]);
  expect(await stats()).toMatchObject({ enqueued: 3, duplicated: 3, delivered: 6 });
});

test('dropRate 1 delivers nothing, counts the drops, and still records the events', async () => {
  await start();
  await setFaults({ webhooks: { dropRate: 1 } });
  for (let index = 0; index < 3; index += 1) await createCustomer(sandbox.call);
  await sleep(300);
  expect(receiver.attempts).toHaveLength(0);
  expect(await stats()).toMatchObject({ enqueued: 3, dropped: 3, delivered: 0, pending: 0 });
  expect((await sandbox.call<{ data: unknown[] }>('GET', '/_sandbox/events')).body.data).toHaveLength(3);
});

test('reorderRate makes events arrive out of creation order, all of them', async () => {
  await start();
  await setFaults({ webhooks: { reorderRate: 0.5 } });
  const created: string[] = [];
  const customer = await createCustomer(sandbox.call);
  for (let index = 0; index < 30; index += 1) created.push((await createOrder(sandbox.call, customer.id)).id);
  await waitUntil(
    () => receiver.delivered().filter((delivery) => delivery.event.type === 'order.created').length >= 30,
    'all 30 orders',
    5000,
  );
  const arrived = receiver
    .delivered()
    .filter((delivery) => delivery.event.type === 'order.created')
    .map((delivery) => delivery.event.data.object.id);
  expect([...arrived].sort()).toEqual([...created].sort());
  expect(arrived).not.toEqual(created);
  expect((await stats()).reordered).toBeGreaterThan(0);
});

test('delayMs holds every delivery back at least that long', async () => {
  await start();
  await setFaults({ webhooks: { delayMs: 300 } });
  const before = Date.now();
  await createCustomer(sandbox.call);
  await waitUntil(() => receiver.delivered().length === 1, 'the delayed delivery', 3000);
  expect((receiver.delivered()[0]?.at ?? 0) - before).toBeGreaterThanOrEqual(300);
  expect((await stats()).delayed).toBe(1);
});

test('fault knobs given at start apply too, and an empty webhook URL sends nothing', async () => {
  receiver = await startReceiver();
  sandbox = await startTestSandbox({
    dataFile: ':memory:',
    webhookUrl: receiver.url,
    faults: { webhooks: { duplicateRate: 1 } },
  });
  await createCustomer(sandbox.call);
  await waitUntil(() => receiver.delivered().length === 2, 'two copies');
  await sandbox.close();

  sandbox = await startTestSandbox({ dataFile: ':memory:', webhookUrl: '' });
  await createCustomer(sandbox.call);
  await sleep(150);
  expect(receiver.attempts).toHaveLength(2);
  expect(await stats()).toMatchObject({ enqueued: 0 });
  expect((await sandbox.call<{ data: unknown[] }>('GET', '/_sandbox/events')).body.data).toHaveLength(1);
});
