import fs from 'node:fs';
import type { Customer, MonstockEvent, Order, Page, RefundRequest } from '../../../sandbox/monstock/types';
import { startMonstockFixture } from '../../support/monstockSandbox';
import { createCustomer, createOrder, movement } from './support/fixtures';
import { signatureIsValid, startReceiver, type Receiver } from './support/receiver';
import {
  type Call,
  type CallOptions,
  startTestSandbox,
  TEST_SECRET,
  tempDataFile,
  type TestSandbox,
  waitUntil,
} from './support/sandbox';

/** Several merchants in one sandbox: each token sees only its own tenant's data and webhooks. */
interface CreatedTenant {
  tenantId: string;
  token: string;
  webhookSecret: string;
}

interface RequestLogReading {
  total: number;
  byTenant: Record<string, number>;
  recent: { method: string; path: string; tenantId: string | null; status: number }[];
}

const as =
  (call: Call, token: string): Call =>
  (method, pathAndQuery, options: CallOptions = {}) =>
    call(method, pathAndQuery, { ...options, token });

async function createTenant(call: Call, webhookUrl?: string): Promise<CreatedTenant> {
  const answer = await call<CreatedTenant>('POST', '/_sandbox/tenants', { body: webhookUrl ? { webhookUrl } : {} });
  expect(answer.status).toBe(201);
  return answer.body;
}

/** A customer, an order paid in full, and a refund request on it: one of every resource kind. */
async function shopOf(
  call: Call,
  reference: string,
): Promise<{ customer: Customer; order: Order; refund: RefundRequest }> {
  const customer = await createCustomer(call, { email: 'same@example.test' });
  const order = await createOrder(call, customer.id, { reference });
  const paid = await call('POST', `/v1/orders/${order.id}/payments`, { body: movement() });
  expect(paid.status).toBe(201);
  const refund = await call<RefundRequest>('POST', `/v1/orders/${order.id}/refund-requests`, {
    body: { amount: 400, currency: 'EUR' },
  });
  expect(refund.status).toBe(201);
  return { customer, order, refund: refund.body };
}

describe('tenants', () => {
  let receivers: Receiver[] = [];
  let sandbox: TestSandbox | undefined;

  afterEach(async () => {
    await sandbox?.dispose();
    sandbox = undefined;
    await Promise.all(receivers.map((receiver) => receiver.close()));
    receivers = [];
  });

  test('creating a tenant answers its id, its own token and its own webhook secret', async () => {
    sandbox = await startTestSandbox();
    const first = await createTenant(sandbox.call, 'http://127.0.0.1:9/hook');
    const second = await createTenant(sandbox.call);
    expect(first).toEqual({
      tenantId: expect.any(String),
      token: expect.any(String),
      webhookSecret: expect.any(String),
    });
    expect(new Set([first.tenantId, second.tenantId, 'default']).size).toBe(3);
    expect(first.token).not.toBe(second.token);
    expect(first.webhookSecret).not.toBe(second.webhookSecret);
    expect(first.webhookSecret).not.toBe(TEST_SECRET);

    expect((await sandbox.call('POST', '/_sandbox/tenants', { body: { webhookUrl: 'not a url' } })).status).toBe(422);
    expect((await sandbox.call('POST', '/_sandbox/tenants', { body: { extra: true } })).status).toBe(422);
    expect((await sandbox.call('GET', '/v1/orders', { token: 'mst_unknown' })).status).toBe(401);
  });

  test('each token sees only its own orders, customers, payments, refund requests, lists and searches', async () => {
    sandbox = await startTestSandbox();
    const a = await createTenant(sandbox.call);
    const b = await createTenant(sandbox.call);
    const callers = { default: sandbox.call, a: as(sandbox.call, a.token), b: as(sandbox.call, b.token) };
    const shops = {
      default: await shopOf(callers.default, 'SAME-REF'),
      a: await shopOf(callers.a, 'SAME-REF'),
      b: await shopOf(callers.b, 'SAME-REF'),
    };
    const allIds = Object.values(shops).flatMap((shop) => [shop.customer.id, shop.order.id, shop.refund.id]);
    expect(new Set(allIds).size).toBe(9);

    for (const [name, call] of Object.entries(callers) as [keyof typeof callers, Call][]) {
      const own = shops[name];
      const orders = await call<Page<Order>>('GET', '/v1/orders');
      expect(orders.body.data.map((order) => order.id)).toEqual([own.order.id]);
      const found = await call<Page<Order>>('GET', '/v1/orders?reference=SAME-REF');
      expect(found.body.data.map((order) => order.id)).toEqual([own.order.id]);
      const paid = await call<Page<Order>>('GET', '/v1/orders?paymentStatus=paid');
      expect(paid.body.data.map((order) => order.id)).toEqual([own.order.id]);
      const customers = await call<Page<Customer>>('GET', '/v1/customers?email=same@example.test');
      expect(customers.body.data.map((customer) => customer.id)).toEqual([own.customer.id]);
      const refunds = await call<Page<RefundRequest>>('GET', `/v1/orders/${own.order.id}/refund-requests`);
      expect(refunds.body.data.map((refund) => refund.id)).toEqual([own.refund.id]);

      for (const [otherName, other] of Object.entries(shops)) {
        if (otherName === name) continue;
        // Another tenant's ids do not exist for this token: 404, not 403.
        const answers = await Promise.all([
          call('GET', `/v1/orders/${other.order.id}`),
          call('PATCH', `/v1/orders/${other.order.id}`, { body: { status: 'shipped' } }),
          call('POST', `/v1/orders/${other.order.id}/payments`, { body: movement({ transactionRef: 'pi_x' }) }),
          call('GET', `/v1/orders/${other.order.id}/refund-requests`),
          call('POST', `/v1/orders/${other.order.id}/refund-requests`, { body: { amount: 1, currency: 'EUR' } }),
          call('PATCH', `/v1/orders/${other.order.id}/refund-requests/${other.refund.id}`, {
            body: { status: 'processing' },
          }),
          call('PATCH', `/v1/orders/${own.order.id}/refund-requests/${other.refund.id}`, {
            body: { status: 'processing' },
          }),
          call('GET', `/v1/customers/${other.customer.id}`),
          call('PATCH', `/v1/customers/${other.customer.id}`, { body: { name: 'Intruder' } }),
        ]);
        expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404, 404, 404, 404, 404, 404, 404]);
        // An order can only be placed for a customer of one's own.
        const foreignCustomer = await call('POST', '/v1/orders', {
          body: {
            reference: 'X',
            customerId: other.customer.id,
            currency: 'EUR',
            lines: [{ sku: 'S', quantity: 1, unitAmount: 1 }],
          },
        });
        expect(foreignCustomer.status).toBe(422);
      }
    }
    // The failed attempts changed nothing anywhere.
    for (const [name, shop] of Object.entries(shops)) {
      const call = callers[name as keyof typeof callers];
      const order = await call<Order>('GET', `/v1/orders/${shop.order.id}`);
      expect(order.body.status).toBe(shop.order.status);
      expect((await call<Customer>('GET', `/v1/customers/${shop.customer.id}`)).body).toEqual(shop.customer);
    }
  });

  test('the order change feed of each tenant pages through its own changes only', async () => {
    sandbox = await startTestSandbox();
    const a = await createTenant(sandbox.call);
    const callA = as(sandbox.call, a.token);
    const customerA = await createCustomer(callA);
    const customerDefault = await createCustomer(sandbox.call);
    const ordersA: string[] = [];
    // Interleaved writes, so a shared feed would show the other tenant's changes between ours.
    for (let index = 0; index < 3; index += 1) {
      ordersA.push((await createOrder(callA, customerA.id)).id);
      await createOrder(sandbox.call, customerDefault.id);
    }
    const since = new Date(Date.now() - 60_000).toISOString();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/v1/orders?limit=1&updatedSince=${encodeURIComponent(since)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page: Page<Order> = (await callA<Page<Order>>('GET', query)).body;
      seen.push(...page.data.map((order) => order.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ordersA);
    const defaultFeed = await sandbox.call<Page<Order>>('GET', '/v1/orders?limit=100');
    expect(defaultFeed.body.data.map((order) => order.id).filter((id) => ordersA.includes(id))).toEqual([]);
    expect(defaultFeed.body.data).toHaveLength(3);

    const events = await sandbox.call<{ data: (MonstockEvent & { tenantId: string })[] }>(
      'GET',
      `/_sandbox/events?tenantId=${a.tenantId}`,
    );
    expect(new Set(events.body.data.map((event) => event.tenantId))).toEqual(new Set([a.tenantId]));
    expect(
      events.body.data.filter((event) => event.type === 'order.created').map((event) => event.data.object.id),
    ).toEqual(ordersA);
  });

  test("each tenant's webhooks go to its own URL, signed with its own secret", async () => {
    const [defaultReceiver, receiverA, receiverB] = await Promise.all([
      startReceiver(),
      startReceiver(),
      startReceiver(),
    ]);
    receivers = [defaultReceiver, receiverA, receiverB];
    sandbox = await startTestSandbox({ webhookUrl: defaultReceiver.url });
    const a = await createTenant(sandbox.call, receiverA.url);
    const b = await createTenant(sandbox.call, receiverB.url);
    const quiet = await createTenant(sandbox.call);
    const customers = {
      default: await createCustomer(sandbox.call),
      a: await createCustomer(as(sandbox.call, a.token)),
      b: await createCustomer(as(sandbox.call, b.token)),
    };
    await createCustomer(as(sandbox.call, quiet.token));
    await waitUntil(() => receivers.every((receiver) => receiver.delivered().length >= 1), 'one delivery per tenant');

    const cases = [
      { receiver: defaultReceiver, secret: TEST_SECRET, customer: customers.default },
      { receiver: receiverA, secret: a.webhookSecret, customer: customers.a },
      { receiver: receiverB, secret: b.webhookSecret, customer: customers.b },
    ];
    const secrets = cases.map((item) => item.secret);
    for (const { receiver, secret, customer } of cases) {
      expect(receiver.attempts.map((attempt) => attempt.event.data.object.id)).toEqual([customer.id]);
      const [delivery] = receiver.attempts;
      expect(signatureIsValid(delivery!.signature, delivery!.raw, secret)).toBe(true);
      for (const other of secrets.filter((candidate) => candidate !== secret))
        expect(signatureIsValid(delivery!.signature, delivery!.raw, other)).toBe(false);
    }
    // The tenant without a webhook URL sends nothing, but its event is recorded.
    const quietEvents = await sandbox.call<{ data: unknown[] }>('GET', `/_sandbox/events?tenantId=${quiet.tenantId}`);
    expect(quietEvents.body.data).toHaveLength(1);
  });

  test("one tenant's outage knob answers 503 to that tenant only, and the request log says whose each request was", async () => {
    sandbox = await startTestSandbox();
    const a = await createTenant(sandbox.call);
    const b = await createTenant(sandbox.call);
    const callA = as(sandbox.call, a.token);
    const callB = as(sandbox.call, b.token);

    const set = await sandbox.call('POST', `/_sandbox/tenants/${a.tenantId}/faults`, { body: { unavailable: true } });
    expect(set).toMatchObject({ status: 200, body: { unavailable: true } });
    expect((await sandbox.call('GET', `/_sandbox/tenants/${a.tenantId}/faults`)).body).toEqual({ unavailable: true });
    expect((await sandbox.call('GET', `/_sandbox/tenants/${b.tenantId}/faults`)).body).toEqual({});

    const down = await callA('GET', '/v1/orders');
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('1');
    expect((await callA('POST', '/v1/customers', { body: { email: 'x@example.test', name: 'X' } })).status).toBe(503);
    expect((await callB('GET', '/v1/orders')).status).toBe(200);
    expect((await sandbox.call('GET', '/v1/orders')).status).toBe(200);
    // Nothing was written for the tenant that was down.
    expect(
      (await sandbox.call<{ data: unknown[] }>('GET', `/_sandbox/events?tenantId=${a.tenantId}`)).body.data,
    ).toEqual([]);

    expect((await sandbox.call('POST', `/_sandbox/tenants/${a.tenantId}/faults`, { body: {} })).body).toEqual({});
    expect((await callA('GET', '/v1/orders')).status).toBe(200);
    expect(
      (await sandbox.call('POST', '/_sandbox/tenants/ten_nope/faults', { body: { unavailable: true } })).status,
    ).toBe(404);
    expect(
      (await sandbox.call('POST', `/_sandbox/tenants/${a.tenantId}/faults`, { body: { unavailable: 1 } })).status,
    ).toBe(422);
    await sandbox.call('GET', '/v1/orders', { token: 'mst_unknown' });

    const log = (await sandbox.call<RequestLogReading>('GET', '/_sandbox/requests')).body;
    expect(log.total).toBe(6);
    expect(log.byTenant).toEqual({ [a.tenantId]: 3, [b.tenantId]: 1, default: 1 });
    expect(log.recent.map(({ tenantId, status }) => [tenantId, status])).toEqual([
      [a.tenantId, 503],
      [a.tenantId, 503],
      [b.tenantId, 200],
      ['default', 200],
      [a.tenantId, 200],
      [null, 401],
    ]);
  });

  test('tenants, their data and their webhook settings survive a restart', async () => {
    const temp = tempDataFile();
    const receiver = await startReceiver();
    receivers = [receiver];
    try {
      const first = await startTestSandbox({ dataFile: temp.file });
      const a = await createTenant(first.call, receiver.url);
      const customer = await createCustomer(as(first.call, a.token));
      await waitUntil(() => receiver.delivered().length >= 1, 'the first delivery');
      await first.close();

      const second = await startTestSandbox({ dataFile: temp.file });
      try {
        const callA = as(second.call, a.token);
        expect((await callA<Customer>('GET', `/v1/customers/${customer.id}`)).body).toEqual(customer);
        expect((await second.call('GET', `/v1/customers/${customer.id}`)).status).toBe(404);
        const order = await createOrder(callA, customer.id);
        await waitUntil(() => receiver.delivered().length >= 2, 'a delivery after the restart');
        const delivery = receiver.delivered()[1]!;
        expect(delivery.event.data.object.id).toBe(order.id);
        expect(signatureIsValid(delivery.signature, delivery.raw, a.webhookSecret)).toBe(true);
      } finally {
        await second.close();
      }
    } finally {
      fs.rmSync(temp.dir, { recursive: true, force: true });
    }
  });

  test("the connector's client sees one tenant's outage as a retryable error while the default tenant is served", async () => {
    const fixture = await startMonstockFixture();
    try {
      const tenant = await fixture.createTenant();
      const own = await tenant.client.createCustomer({ email: 'tenant@example.test', name: 'Tenant Buyer' });
      await fixture.setTenantFaults(tenant.tenantId, { unavailable: true });
      await expect(tenant.client.getCustomer(own.id)).rejects.toMatchObject({ retryable: true });
      const order = await fixture.createOrder();
      expect((await fixture.client.getOrder(order.id)).id).toBe(order.id);
      await expect(fixture.client.findCustomer(own.id)).resolves.toBeUndefined();
      await fixture.setTenantFaults(tenant.tenantId, {});
      expect(await tenant.client.getCustomer(own.id)).toEqual(own);
    } finally {
      await fixture.close();
    }
  });
});
