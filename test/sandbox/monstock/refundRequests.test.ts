import type { Order, Page, RefundRequest } from '../../../sandbox/monstock/types';
import { createCustomer, createOrder, movement } from './support/fixtures';
import { loadSpec } from './support/openapi';
import { signatureIsValid, startReceiver, type Receiver } from './support/receiver';
import { startTestSandbox, TEST_SECRET, waitUntil, type Call, type TestSandbox } from './support/sandbox';
import { validate } from './support/schemaValidator';

/** Ours: refund requests, capture at shipment (paymentCapture) and the authorized payment status. */
const spec = loadSpec();
let receiver: Receiver;
let sandbox: TestSandbox;
let call: Call;

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startTestSandbox({ dataFile: ':memory:', webhookUrl: receiver.url });
  call = sandbox.call;
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

async function newOrder(overrides: Record<string, unknown> = {}): Promise<Order> {
  return createOrder(call, (await createCustomer(call)).id, overrides);
}

async function requestRefund(order: Order, body: Record<string, unknown> = {}): Promise<RefundRequest> {
  const answer = await call<RefundRequest>('POST', `/v1/orders/${order.id}/refund-requests`, {
    body: { amount: 400, currency: 'EUR', ...body },
  });
  expect(answer.status).toBe(201);
  return answer.body;
}

const conforms = (schema: string, value: unknown): string[] =>
  validate({ $ref: `#/components/schemas/${schema}` }, value, { root: spec, strict: true });

describe('refund requests', () => {
  test('creating one answers it requested, bumps the order version and sends a signed order.refund_requested', async () => {
    const order = await newOrder();
    const created = await requestRefund(order, { reason: 'damaged in transit' });
    expect(created).toMatchObject({
      orderId: order.id,
      amount: 400,
      currency: 'EUR',
      reason: 'damaged in transit',
      status: 'requested',
      stripeRefundIds: [],
    });
    expect(created.id).toMatch(/^rfq_/);
    expect(created.failureReason).toBeUndefined();
    expect(conforms('RefundRequest', created)).toEqual([]);

    const after = (await call<Order>('GET', `/v1/orders/${order.id}`)).body;
    expect(after.version).toBe(order.version + 1);
    expect(after.updatedAt > order.updatedAt).toBe(true);
    expect(after.updatedAt).toBe(created.createdAt);
    const feed = await call<Page<Order>>('GET', `/v1/orders?updatedSince=${encodeURIComponent(created.createdAt)}`);
    expect(feed.body.data.map((item) => item.id)).toContain(order.id);

    await waitUntil(
      () => receiver.delivered().some((delivery) => delivery.event.type === 'order.refund_requested'),
      'the order.refund_requested webhook',
    );
    const delivery = receiver.delivered().find((item) => item.event.type === 'order.refund_requested');
    expect(signatureIsValid(delivery!.signature, delivery!.raw, TEST_SECRET)).toBe(true);
    expect(delivery!.event.data.refundRequestId).toBe(created.id);
    expect(delivery!.event.data.object).toMatchObject({ id: order.id, version: after.version });
    expect(delivery!.event.createdAt).toBe(after.updatedAt);
    expect(conforms('EventType', delivery!.event.type)).toEqual([]);
  });

  test('reason may be null or absent: both read back as null', async () => {
    const order = await newOrder();
    expect((await requestRefund(order, { reason: null })).reason).toBeNull();
    expect((await requestRefund(order)).reason).toBeNull();
  });

  test('lists the order’s requests only, with the list envelope and cursor paging', async () => {
    const order = await newOrder();
    const other = await newOrder();
    const first = await requestRefund(order, { amount: 100 });
    const second = await requestRefund(order, { amount: 200 });
    await requestRefund(other);
    const all = await call<Page<RefundRequest>>('GET', `/v1/orders/${order.id}/refund-requests`);
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ data: [first, second], nextCursor: null });
    expect(conforms('RefundRequestPage', all.body)).toEqual([]);
    const page = await call<Page<RefundRequest>>('GET', `/v1/orders/${order.id}/refund-requests?limit=1`);
    expect(page.body.data).toEqual([first]);
    const rest = await call<Page<RefundRequest>>(
      'GET',
      `/v1/orders/${order.id}/refund-requests?limit=1&cursor=${encodeURIComponent(page.body.nextCursor!)}`,
    );
    expect(rest.body).toEqual({ data: [second], nextCursor: null });
    expect((await call('GET', `/v1/orders/${order.id}/refund-requests?cursor=nope`)).status).toBe(400);
    expect((await call('GET', '/v1/orders/ord_missing/refund-requests')).status).toBe(404);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['a zero amount', { amount: 0 }, 'amount'],
    ['a negative amount', { amount: -5 }, 'amount'],
    ['a fractional amount', { amount: 1.5 }, 'amount'],
    ['a lower-case currency', { currency: 'eur' }, 'currency'],
    ["another currency than the order's", { currency: 'USD' }, 'currency'],
    ['a missing amount', { amount: undefined }, 'amount'],
    ['an unknown field', { note: 'x' }, 'note'],
    ['a reason that is not a string', { reason: 5 }, 'reason'],
  ])('refuses %s with 422', async (_label, body, field) => {
    const order = await newOrder();
    const answer = await call<{ error: { code: string; message: string } }>(
      'POST',
      `/v1/orders/${order.id}/refund-requests`,
      { body: { amount: 400, currency: 'EUR', ...body } },
    );
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('validation_failed');
    expect(answer.body.error.message).toContain(field);
    expect((await call<Order>('GET', `/v1/orders/${order.id}`)).body.version).toBe(order.version);
  });

  test('an unknown order is a 404', async () => {
    const answer = await call('POST', '/v1/orders/ord_missing/refund-requests', {
      body: { amount: 1, currency: 'EUR' },
    });
    expect(answer.status).toBe(404);
  });

  describe('reports from the connector', () => {
    const patch = (request: RefundRequest, body: Record<string, unknown>) =>
      call<RefundRequest & { error?: { code: string } }>(
        'PATCH',
        `/v1/orders/${request.orderId}/refund-requests/${request.id}`,
        { body },
      );

    test('processing, then succeeded with its Stripe refund ids, idempotently; the order is left alone', async () => {
      const order = await newOrder();
      const request = await requestRefund(order);
      const before = (await call<Order>('GET', `/v1/orders/${order.id}`)).body;
      const processing = await patch(request, { status: 'processing', stripeRefundIds: ['re_1'] });
      expect(processing.status).toBe(200);
      expect(processing.body).toMatchObject({ status: 'processing', stripeRefundIds: ['re_1'] });
      expect(processing.body.updatedAt > request.updatedAt).toBe(true);
      const succeeded = await patch(request, { status: 'succeeded', stripeRefundIds: ['re_1', 're_2'] });
      expect(succeeded.body).toMatchObject({ status: 'succeeded', stripeRefundIds: ['re_1', 're_2'] });
      const replay = await patch(request, { status: 'succeeded', stripeRefundIds: ['re_2'] });
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual(succeeded.body);
      expect(conforms('RefundRequest', replay.body)).toEqual([]);
      expect((await call<Order>('GET', `/v1/orders/${order.id}`)).body.version).toBe(before.version);
      const listed = await call<Page<RefundRequest>>('GET', `/v1/orders/${order.id}/refund-requests`);
      expect(listed.body.data).toEqual([succeeded.body]);
    });

    test('a finished request does not change any more (409), except a refund Stripe fails later', async () => {
      const request = await requestRefund(await newOrder());
      await patch(request, { status: 'succeeded', stripeRefundIds: ['re_1'] });
      for (const body of [{ status: 'processing' }, { status: 'succeeded', stripeRefundIds: ['re_other'] }]) {
        const refused = await patch(request, body);
        expect(refused.status).toBe(409);
        expect(refused.body.error?.code).toBe('conflict');
      }
      const failedLater = await patch(request, { status: 'failed', failureReason: 'expired_or_canceled_card' });
      expect(failedLater.status).toBe(200);
      expect(failedLater.body).toMatchObject({ status: 'failed', failureReason: 'expired_or_canceled_card' });
      const rejected = await requestRefund(await newOrder());
      const first = await patch(rejected, { status: 'rejected', failureReason: 'nothing_to_refund' });
      expect(first.body).toMatchObject({ status: 'rejected', failureReason: 'nothing_to_refund' });
      expect((await patch(rejected, { status: 'rejected' })).body).toEqual(first.body);
      expect((await patch(rejected, { status: 'processing' })).status).toBe(409);
    });

    test('a failed request may be retried; failureReason goes with the failure', async () => {
      const request = await requestRefund(await newOrder());
      const failed = await patch(request, { status: 'failed', failureReason: 'insufficient_funds' });
      expect(failed.body).toMatchObject({ status: 'failed', failureReason: 'insufficient_funds' });
      expect((await patch(request, { status: 'failed', failureReason: 'insufficient_funds' })).body).toEqual(
        failed.body,
      );
      const retried = await patch(request, { status: 'processing' });
      expect(retried.status).toBe(200);
      expect(retried.body.status).toBe('processing');
      expect(retried.body.failureReason).toBeUndefined();
      expect((await patch(request, { status: 'succeeded', stripeRefundIds: ['re_9'] })).body.status).toBe('succeeded');
    });

    test.each<[string, Record<string, unknown>]>([
      ['back to requested', { status: 'requested' }],
      ['a failureReason without a failure', { status: 'processing', failureReason: 'x' }],
      ['no status', { stripeRefundIds: ['re_1'] }],
      ['an empty Stripe refund id', { status: 'processing', stripeRefundIds: [''] }],
      ['an unknown field', { status: 'processing', amount: 5 }],
    ])('refuses %s with 422', async (_label, body) => {
      const request = await requestRefund(await newOrder());
      const answer = await patch(request, body);
      expect(answer.status).toBe(422);
      expect(answer.body.error?.code).toBe('validation_failed');
    });

    test('an unknown request, or one of another order, is a 404', async () => {
      const request = await requestRefund(await newOrder());
      const other = await newOrder();
      expect((await patch({ ...request, id: 'rfq_missing' }, { status: 'processing' })).status).toBe(404);
      expect((await patch({ ...request, orderId: other.id }, { status: 'processing' })).status).toBe(404);
      expect((await patch({ ...request, orderId: 'ord_missing' }, { status: 'processing' })).status).toBe(404);
    });
  });
});

describe('capture at shipment', () => {
  test('paymentCapture is absent unless set (the connection decides), is set on create and on update', async () => {
    const automatic = await newOrder();
    expect(automatic.paymentCapture).toBeUndefined();
    expect(conforms('Order', automatic)).toEqual([]);
    const onShipment = await newOrder({ paymentCapture: 'on_shipment' });
    expect(onShipment.paymentCapture).toBe('on_shipment');
    expect((await call<Order>('GET', `/v1/orders/${onShipment.id}`)).body.paymentCapture).toBe('on_shipment');
    const patched = await call<Order>('PATCH', `/v1/orders/${automatic.id}`, {
      body: { paymentCapture: 'on_shipment' },
    });
    expect(patched.body).toMatchObject({ paymentCapture: 'on_shipment', version: automatic.version + 1 });
    const again = await call<Order>('PATCH', `/v1/orders/${automatic.id}`, { body: { paymentCapture: 'on_shipment' } });
    expect(again.body.version).toBe(patched.body.version);
    expect(conforms('Order', again.body)).toEqual([]);
    const wrong = await call('PATCH', `/v1/orders/${automatic.id}`, { body: { paymentCapture: 'later' } });
    expect(wrong.status).toBe(422);
  });

  test('an authorised payment makes the order authorized, a capture paid; amountPaid only counts the capture', async () => {
    const order = await newOrder({ paymentCapture: 'on_shipment' });
    const path = `/v1/orders/${order.id}/payments`;
    const held = await call<Order>('POST', path, {
      body: movement({ amount: order.totalAmount, status: 'authorized' }),
    });
    expect(held.status).toBe(201);
    expect(held.body).toMatchObject({ paymentStatus: 'authorized', amountPaid: 0 });
    expect(held.body.payments[0]?.status).toBe('authorized');
    const byStatus = await call<Page<Order>>('GET', '/v1/orders?paymentStatus=authorized&limit=200');
    expect(byStatus.body.data.map((item) => item.id)).toContain(order.id);
    const captured = await call<Order>('POST', path, {
      body: movement({ amount: order.totalAmount, status: 'succeeded', occurredAt: '2024-05-02T10:00:00.000Z' }),
    });
    expect(captured.status).toBe(200);
    expect(captured.body).toMatchObject({ paymentStatus: 'paid', amountPaid: order.totalAmount });
  });

  test('a canceled authorisation counts for nothing and keeps its failureReason', async () => {
    const order = await newOrder({ paymentCapture: 'on_shipment' });
    const path = `/v1/orders/${order.id}/payments`;
    await call('POST', path, { body: movement({ amount: order.totalAmount, status: 'authorized' }) });
    const canceled = await call<Order>('POST', path, {
      body: movement({
        amount: order.totalAmount,
        status: 'canceled',
        failureReason: 'authorization_expired',
        occurredAt: '2024-05-08T10:00:00.000Z',
      }),
    });
    expect(canceled.status).toBe(200);
    expect(canceled.body.paymentStatus).toBe('unpaid');
    expect(canceled.body.payments[0]).toMatchObject({ status: 'canceled', failureReason: 'authorization_expired' });
    expect(conforms('Order', canceled.body)).toEqual([]);
  });

  test.each([
    ['refund', 'authorized'],
    ['refund', 'canceled'],
    ['dispute', 'authorized'],
  ])('a %s cannot be %s (422)', async (kind, status) => {
    const order = await newOrder();
    const answer = await call('POST', `/v1/orders/${order.id}/payments`, {
      body: movement({ kind, transactionRef: 'x_1', status }),
    });
    expect(answer.status).toBe(422);
  });
});
