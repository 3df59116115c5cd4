import http from 'node:http';
import { MonstockClient } from '../../src/monstock/client';
import {
  CustomerNotFound,
  InvalidResponse,
  MonstockApiError,
  MovementConflict,
  OrderNotFound,
  RateLimited,
  RefundRequestFinished,
  RefundRequestNotFound,
  ServerError,
  StaleCursor,
  Unauthorized,
  Unreachable,
  ValidationFailed,
  VersionConflict,
} from '../../src/monstock/errors';
import { readChangesPage, type WalkPosition } from '../../src/monstock/walkChanges';
import { listen, type StartedServer } from '../../sandbox/kit/http';
import { startMonstockFixture, TEST_MONSTOCK_TOKEN, type MonstockFixture } from '../support/monstockSandbox';

/** The adapter against the Monstock sandbox: typed results, and errors classified for retries. */
describe('MonstockClient', () => {
  let monstock: MonstockFixture;

  beforeAll(async () => {
    monstock = await startMonstockFixture();
  });
  afterAll(() => monstock.close());
  afterEach(() => monstock.setFaults({}));

  async function failure(promise: Promise<unknown>): Promise<MonstockApiError> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof MonstockApiError) return error;
      throw error;
    }
    throw new Error('expected a MonstockApiError');
  }

  it('creates, reads, patches and pages through orders', async () => {
    const first = await monstock.createOrder(1500);
    const second = await monstock.createOrder(2500);
    expect(first).toMatchObject({ totalAmount: 1500, currency: 'EUR', paymentStatus: 'unpaid', version: 1 });
    const patched = await monstock.client.updateOrder(
      first.id,
      { externalRefs: { stripePaymentIntentId: 'pi_123' } },
      first.version,
    );
    expect(patched.externalRefs.stripePaymentIntentId).toBe('pi_123');
    expect(patched.version).toBe(2);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await monstock.client.listOrders({ limit: 1, ...(cursor ? { cursor } : {}) });
      seen.push(...page.data.map((order) => order.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining([first.id, second.id]));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("finds an order by its reference (the project's extension of the contract)", async () => {
    const order = await monstock.createOrder(700);
    await monstock.createOrder(800);
    const page = await monstock.client.listOrders({ reference: order.reference });
    expect(page.data.map((item) => item.id)).toEqual([order.id]);
    expect((await monstock.client.listOrders({ reference: 'NO-SUCH-REF' })).data).toEqual([]);
  });

  it('records a movement idempotently and reports a contradiction as a permanent conflict', async () => {
    const order = await monstock.createOrder(1000);
    const movement = {
      kind: 'payment' as const,
      transactionRef: 'pi_client_1',
      amount: 1000,
      currency: 'EUR',
      status: 'succeeded' as const,
      occurredAt: '2026-11-27T10:00:00.000Z',
    };
    expect((await monstock.client.recordPayment(order.id, movement)).created).toBe(true);
    const replay = await monstock.client.recordPayment(order.id, movement);
    expect(replay.created).toBe(false);
    expect(replay.order.payments).toHaveLength(1);
    const conflict = await failure(monstock.client.recordPayment(order.id, { ...movement, amount: 900 }));
    expect(conflict).toBeInstanceOf(MovementConflict);
    expect(conflict).toMatchObject({ status: 409, retryable: false });
  });

  it('reads and writes paymentCapture and an authorised payment (capture at shipment)', async () => {
    const order = await monstock.createOrder(1000);
    expect(order.paymentCapture).toBeUndefined(); // absent: the connection's STRIPE_CAPTURE decides
    const onShipment = await monstock.client.updateOrder(order.id, { paymentCapture: 'on_shipment' });
    expect(onShipment.paymentCapture).toBe('on_shipment');
    const held = await monstock.client.recordPayment(order.id, {
      kind: 'payment',
      transactionRef: 'pi_held_1',
      amount: 1000,
      currency: 'EUR',
      status: 'authorized',
      occurredAt: '2026-11-27T10:00:00.000Z',
    });
    expect(held.order).toMatchObject({ paymentStatus: 'authorized', amountPaid: 0 });
    const canceled = await monstock.client.recordPayment(order.id, {
      kind: 'payment',
      transactionRef: 'pi_held_1',
      amount: 1000,
      currency: 'EUR',
      status: 'canceled',
      failureReason: 'authorization_expired',
      occurredAt: '2026-12-04T10:00:00.000Z',
    });
    expect(canceled.order.paymentStatus).toBe('unpaid');
    expect(canceled.order.payments[0]).toMatchObject({ status: 'canceled', failureReason: 'authorization_expired' });
  });

  it('creates, lists and reports on refund requests (ours), idempotently', async () => {
    const order = await monstock.createOrder(1000);
    const request = await monstock.client.createRefundRequest(order.id, { amount: 250, currency: 'EUR' });
    expect(request).toMatchObject({
      orderId: order.id,
      amount: 250,
      reason: null,
      status: 'requested',
      stripeRefundIds: [],
    });
    expect((await monstock.client.getOrder(order.id)).version).toBe(order.version + 1);
    const second = await monstock.client.createRefundRequest(order.id, {
      amount: 100,
      currency: 'EUR',
      reason: 'broken',
    });
    expect((await monstock.client.listRefundRequests(order.id)).map((item) => item.id)).toEqual([
      request.id,
      second.id,
    ]);

    const report = { status: 'succeeded' as const, stripeRefundIds: ['re_client_1'] };
    const done = await monstock.client.updateRefundRequest(order.id, request.id, report);
    expect(done).toMatchObject({ status: 'succeeded', stripeRefundIds: ['re_client_1'] });
    expect(await monstock.client.updateRefundRequest(order.id, request.id, report)).toEqual(done);

    const finished = await failure(monstock.client.updateRefundRequest(order.id, request.id, { status: 'processing' }));
    expect(finished).toBeInstanceOf(RefundRequestFinished);
    expect(finished).toMatchObject({ status: 409, retryable: false });
    const missing = await failure(
      monstock.client.updateRefundRequest(order.id, 'rfq_missing', { status: 'processing' }),
    );
    expect(missing).toBeInstanceOf(RefundRequestNotFound);
    expect(missing).toMatchObject({
      resource: 'refund_request',
      id: 'rfq_missing',
      orderId: order.id,
      retryable: false,
    });
    const noOrder = await failure(monstock.client.createRefundRequest('ord_missing', { amount: 1, currency: 'EUR' }));
    expect(noOrder).toBeInstanceOf(OrderNotFound);
    const wrongCurrency = await failure(monstock.client.createRefundRequest(order.id, { amount: 1, currency: 'USD' }));
    expect(wrongCurrency).toBeInstanceOf(ValidationFailed);
    expect((await failure(monstock.client.listRefundRequests('ord_missing'))).constructor).toBe(OrderNotFound);
  });

  it.each([
    ['a stale If-Match (412)', 412, true, VersionConflict],
    ['an unknown order (404)', 404, false, OrderNotFound],
    ['an invalid body (422)', 422, false, ValidationFailed],
  ])('classifies %s', async (_label, status, retryable, named) => {
    const order = await monstock.createOrder(1000);
    const attempt =
      status === 412
        ? monstock.client.updateOrder(order.id, { status: 'preparing' }, order.version + 5)
        : status === 404
          ? monstock.client.getOrder('ord_missing')
          : monstock.client.updateOrder(order.id, { lines: [{ sku: 'X', quantity: 0, unitAmount: 1 }] });
    const error = await failure(attempt);
    expect(error).toBeInstanceOf(named);
    expect(error).toMatchObject({ status, retryable });
  });

  it('finds an order or a customer, or answers undefined when Monstock has none', async () => {
    const order = await monstock.createOrder(1100);
    expect((await monstock.client.findOrder(order.id))?.id).toBe(order.id);
    expect(await monstock.client.findOrder('ord_missing')).toBeUndefined();
    expect((await monstock.client.findCustomer(order.customerId))?.id).toBe(order.customerId);
    expect(await monstock.client.findCustomer('cus_missing')).toBeUndefined();
    const missing = await failure(monstock.client.getCustomer('cus_missing'));
    expect(missing).toBeInstanceOf(CustomerNotFound);
    expect(missing).toMatchObject({ resource: 'customer', id: 'cus_missing' });
  });

  it('calls a refused page cursor a StaleCursor, and the walk restarts from updatedSince without it', async () => {
    const since = new Date().toISOString();
    const first = await monstock.createOrder(1200);
    const second = await monstock.createOrder(1300);
    const stale = await failure(
      monstock.client.listOrders({ updatedSince: since, cursor: 'not-a-cursor-monstock-gave' }),
    );
    expect(stale).toBeInstanceOf(StaleCursor);
    expect(stale).toMatchObject({ status: 400, retryable: false });

    const sent: Array<Record<string, unknown>> = [];
    const listOrders: typeof monstock.client.listOrders = (options) => {
      sent.push({ ...options });
      return monstock.client.listOrders(options);
    };
    const position: WalkPosition = { updatedSince: since, page: 'not-a-cursor-monstock-gave' };
    const page = await readChangesPage(listOrders, position, 1);
    expect(page.data.map((order) => order.id)).toEqual([first.id]);
    expect(page.nextCursor).not.toBeNull();
    expect(position).toEqual({ updatedSince: since });
    expect(sent).toEqual([
      { updatedSince: since, limit: 1, cursor: 'not-a-cursor-monstock-gave' },
      { updatedSince: since, limit: 1 },
    ]);

    const next = await readChangesPage(listOrders, { updatedSince: since, page: page.nextCursor! }, 1);
    expect(next.data.map((order) => order.id)).toEqual([second.id]);
    expect(sent).toHaveLength(3);
  });

  it('restarts a customer walk the same way', async () => {
    const since = new Date().toISOString();
    const customer = await monstock.client.createCustomer({ email: 'walker@example.test', name: 'Walker' });
    const page = await readChangesPage(
      (options) => monstock.client.listCustomers(options),
      { updatedSince: since, page: 'not-a-cursor-monstock-gave' },
      10,
    );
    expect(page.data.map((item) => item.id)).toEqual([customer.id]);
  });

  it('does not swallow other errors while walking', async () => {
    await monstock.setFaults({ errorRate: 1 });
    const error = await failure(
      readChangesPage((options) => monstock.client.listOrders(options), { page: 'not-a-cursor-monstock-gave' }, 1),
    );
    expect(error).toBeInstanceOf(ServerError);
  });

  it('treats a wrong token as permanent', async () => {
    const wrong = new MonstockClient({ apiUrl: monstock.sandbox.apiUrl, apiToken: 'not-the-token' });
    const refused = await failure(wrong.listOrders());
    expect(refused).toBeInstanceOf(Unauthorized);
    expect(refused).toMatchObject({ status: 401, code: 'unauthorized', retryable: false });
    await wrong.close();
  });

  it('surfaces 5xx as retryable and 429 with its Retry-After delay', async () => {
    await monstock.setFaults({ errorRate: 1 });
    const broken = await failure(monstock.client.listOrders());
    expect(broken).toBeInstanceOf(ServerError);
    expect(broken).toMatchObject({ status: 500, retryable: true });
    await monstock.setFaults({ rateLimitPerSecond: 1 });
    const results = await Promise.allSettled([
      monstock.client.listOrders(),
      monstock.client.listOrders(),
      monstock.client.listOrders(),
    ]);
    const limited = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(limited?.reason).toBeInstanceOf(RateLimited);
    expect(limited?.reason).toMatchObject({ status: 429, retryable: true, code: 'rate_limited' });
    expect((limited?.reason as MonstockApiError).retryAfterMs).toBeGreaterThanOrEqual(1000);
  });

  describe('against a misbehaving server', () => {
    let server: StartedServer;
    let answer: (response: http.ServerResponse) => void = () => undefined;
    beforeAll(async () => {
      server = await listen(
        http.createServer((_request, response) => answer(response)),
        0,
      );
    });
    afterAll(() => server.close());

    it('times out as a retryable error', async () => {
      answer = (response) => setTimeout(() => response.end('{}'), 2000).unref();
      const client = new MonstockClient({
        apiUrl: `${server.url}/v1`,
        apiToken: TEST_MONSTOCK_TOKEN,
        requestTimeoutMs: 200,
      });
      const timedOut = await failure(client.getOrder('ord_1'));
      expect(timedOut).toBeInstanceOf(Unreachable);
      expect(timedOut).toMatchObject({ code: 'timeout', retryable: true });
      await client.close();
    });

    it('refuses an answer that does not match the contract', async () => {
      answer = (response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ id: 'ord_1', totalAmount: 'a lot' }));
      };
      const client = new MonstockClient({ apiUrl: `${server.url}/v1`, apiToken: TEST_MONSTOCK_TOKEN });
      const surprise = await failure(client.getOrder('ord_1'));
      expect(surprise).toBeInstanceOf(InvalidResponse);
      expect(surprise).toMatchObject({ code: 'invalid_response', retryable: false });
      await client.close();
    });
  });
});
