import type { Order, Page } from '../../../sandbox/monstock/types';
import { createCustomer, createOrder, movement } from './support/fixtures';
import { errorOf, useSandbox } from './support/suite';

const { call } = useSandbox();

async function freshOrder(): Promise<Order> {
  // 2 x 500 = a 1000 total
  return createOrder(call, (await createCustomer(call)).id);
}

const record = (order: Order, body: Record<string, unknown>) =>
  call<Order>('POST', `/v1/orders/${order.id}/payments`, { body });

describe('recordPayment', () => {
  test('first time 201 with the movement, replay 200 unchanged', async () => {
    const order = await freshOrder();
    const first = await record(order, movement({ occurredAt: '2024-05-01T12:00:00+02:00', method: 'card' }));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ version: 2, amountPaid: 1000, paymentStatus: 'paid' });
    const payment = first.body.payments[0];
    expect(payment).toMatchObject({
      kind: 'payment',
      transactionRef: 'pi_1',
      amount: 1000,
      currency: 'EUR',
      status: 'succeeded',
      provider: 'stripe',
      method: 'card',
    });
    expect(payment?.id).toMatch(/^pay_/);
    expect(payment?.occurredAt).toBe('2024-05-01T10:00:00.000Z');
    expect(payment?.recordedAt).toBe(first.body.updatedAt);

    const replay = await record(order, movement({ occurredAt: '2024-05-01T12:00:00+02:00', method: 'card' }));
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    // Leaving optional fields out, or a re-derived occurredAt, is still the same movement.
    const sparse = await record(order, movement({ occurredAt: '2024-05-02T00:00:00Z' }));
    expect(sparse.status).toBe(200);
    expect(sparse.body).toEqual(first.body);
  });

  test('same key with another amount or currency is 409 conflict', async () => {
    const order = await freshOrder();
    await record(order, movement());
    for (const change of [{ amount: 999 }, { currency: 'USD' }]) {
      const answer = await record(order, movement(change));
      expect(answer.status).toBe(409);
      expect(errorOf(answer.body).code).toBe('conflict');
    }
    expect((await call<Order>('GET', `/v1/orders/${order.id}`)).body.version).toBe(2);
  });

  test('the key includes the kind: a refund may reuse a payment ref', async () => {
    const order = await freshOrder();
    await record(order, movement());
    const refund = await record(order, movement({ kind: 'refund', amount: 100 }));
    expect(refund.status).toBe(201);
    expect(refund.body.payments).toHaveLength(2);
  });

  test('a new status updates the movement and bumps the version', async () => {
    const order = await freshOrder();
    await record(order, movement());
    const opened = await record(
      order,
      movement({
        kind: 'dispute',
        transactionRef: 'dp_1',
        status: 'needs_response',
        occurredAt: '2024-05-03T00:00:00Z',
      }),
    );
    expect(opened.status).toBe(201);
    expect(opened.body.paymentStatus).toBe('disputed');
    const lost = await record(
      order,
      movement({ kind: 'dispute', transactionRef: 'dp_1', status: 'lost', occurredAt: '2024-05-20T00:00:00Z' }),
    );
    expect(lost.status).toBe(200);
    expect(lost.body).toMatchObject({
      version: opened.body.version + 1,
      paymentStatus: 'refunded',
      amountRefunded: 1000,
    });
    const dispute = lost.body.payments.find((payment) => payment.kind === 'dispute');
    expect(dispute).toMatchObject({
      status: 'lost',
      occurredAt: '2024-05-20T00:00:00.000Z',
      id: opened.body.payments[1]?.id,
    });
    expect(lost.body.payments).toHaveLength(2);
  });

  test('a pending refund that succeeds', async () => {
    const order = await freshOrder();
    await record(order, movement());
    const pending = await record(
      order,
      movement({ kind: 'refund', transactionRef: 're_1', amount: 400, status: 'pending' }),
    );
    expect(pending.body).toMatchObject({ paymentStatus: 'paid', amountRefunded: 0 });
    const done = await record(
      order,
      movement({ kind: 'refund', transactionRef: 're_1', amount: 400, status: 'succeeded' }),
    );
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      paymentStatus: 'partially_refunded',
      amountRefunded: 400,
      version: pending.body.version + 1,
    });
  });

  test('fee, net, details and failure reason can be filled in later', async () => {
    const order = await freshOrder();
    const first = await record(order, movement({ status: 'pending' }));
    const filled = await record(
      order,
      movement({ status: 'pending', feeAmount: 45, netAmount: 955, methodDetails: 'visa ****4242' }),
    );
    expect(filled.status).toBe(200);
    expect(filled.body.version).toBe(first.body.version + 1);
    expect(filled.body.payments[0]).toMatchObject({
      feeAmount: 45,
      netAmount: 955,
      methodDetails: 'visa ****4242',
      status: 'pending',
    });
    const failed = await record(order, movement({ status: 'failed', failureReason: 'card_declined' }));
    expect(failed.body.payments[0]).toMatchObject({ status: 'failed', failureReason: 'card_declined', feeAmount: 45 });
    expect(failed.body.version).toBe(filled.body.version + 1);
    const again = await record(order, movement({ status: 'failed', failureReason: 'card_declined' }));
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(failed.body.version);
  });

  test('pendingReason is stored while pending, changes with it and is cleared once no longer pending', async () => {
    const order = await freshOrder();
    const waiting = await record(order, movement({ status: 'pending', pendingReason: 'requires_action' }));
    expect(waiting.status).toBe(201);
    expect(waiting.body.payments[0]).toMatchObject({ status: 'pending', pendingReason: 'requires_action' });
    expect(waiting.body.paymentStatus).toBe('unpaid');
    const same = await record(order, movement({ status: 'pending', pendingReason: 'requires_action' }));
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(waiting.body.version);
    const processing = await record(order, movement({ status: 'pending', pendingReason: 'processing' }));
    expect(processing.body.payments[0]).toMatchObject({ status: 'pending', pendingReason: 'processing' });
    expect(processing.body.version).toBe(waiting.body.version + 1);
    const paid = await record(order, movement({ status: 'succeeded' }));
    expect(paid.status).toBe(200);
    expect(paid.body.payments[0]?.status).toBe('succeeded');
    expect(paid.body.payments[0]).not.toHaveProperty('pendingReason');
    expect(paid.body.paymentStatus).toBe('paid');
  });

  test('a failed payment that was waiting on the customer loses its pendingReason', async () => {
    const order = await freshOrder();
    await record(order, movement({ status: 'pending', pendingReason: 'requires_action' }));
    const failed = await record(order, movement({ status: 'failed', failureReason: 'authentication_failed' }));
    expect(failed.body.payments[0]).toMatchObject({ status: 'failed', failureReason: 'authentication_failed' });
    expect(failed.body.payments[0]).not.toHaveProperty('pendingReason');
  });

  test('settlementCurrency is stored and returned, and can be added to a movement recorded without it', async () => {
    const order = await freshOrder();
    const first = await record(order, movement({ feeAmount: 40, netAmount: 1060 }));
    expect(first.body.payments[0]).not.toHaveProperty('settlementCurrency');
    const named = await record(order, movement({ feeAmount: 40, netAmount: 1060, settlementCurrency: 'USD' }));
    expect(named.status).toBe(200);
    expect(named.body.version).toBe(first.body.version + 1);
    expect(named.body.payments[0]).toMatchObject({ currency: 'EUR', feeAmount: 40, settlementCurrency: 'USD' });
    const again = await record(order, movement({ feeAmount: 40, netAmount: 1060, settlementCurrency: 'USD' }));
    expect(again.body.version).toBe(named.body.version);
  });

  test('provider defaults to stripe and can be given', async () => {
    const order = await freshOrder();
    const answer = await record(order, movement({ provider: 'paypal', transactionRef: 'PP-1' }));
    expect(answer.body.payments[0]?.provider).toBe('paypal');
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['a negative amount', { amount: -1 }, 'amount'],
    ['a fractional amount', { amount: 1.5 }, 'amount'],
    ['an unknown kind', { kind: 'chargeback' }, 'kind'],
    ['an unknown status', { status: 'done' }, 'status'],
    ['a status foreign to the kind', { kind: 'payment', status: 'lost' }, 'status'],
    ['a dispute that succeeded', { kind: 'dispute', status: 'succeeded' }, 'status'],
    ['a lower-case currency', { currency: 'eur' }, 'currency'],
    ["a currency other than the order's", { currency: 'USD' }, 'currency'],
    ['a missing transactionRef', { transactionRef: undefined }, 'transactionRef'],
    ['a missing occurredAt', { occurredAt: undefined }, 'occurredAt'],
    ['a bad occurredAt', { occurredAt: '2024-02-30T10:00:00Z' }, 'occurredAt'],
    ['a fractional fee', { feeAmount: 0.5 }, 'feeAmount'],
    ['an unknown field', { note: 'x' }, 'note'],
    ['an unknown pendingReason', { status: 'pending', pendingReason: 'waiting' }, 'pendingReason'],
    ['a pendingReason on a succeeded payment', { status: 'succeeded', pendingReason: 'processing' }, 'pendingReason'],
    ['a pendingReason on a failed payment', { status: 'failed', pendingReason: 'requires_action' }, 'pendingReason'],
    ['a lower-case settlementCurrency', { settlementCurrency: 'usd' }, 'settlementCurrency'],
  ])('%s is 422 naming the field', async (_name, overrides, field) => {
    const order = await freshOrder();
    const answer = await record(order, JSON.parse(JSON.stringify(movement(overrides))) as Record<string, unknown>);
    expect(answer.status).toBe(422);
    expect(errorOf(answer.body).message).toContain(field);
  });
});

describe('paymentStatus through the API', () => {
  test.each<[string, Array<Record<string, unknown>>, Partial<Order>]>([
    ['unpaid', [], { paymentStatus: 'unpaid', amountPaid: 0, amountRefunded: 0 }],
    ['partially_paid', [movement({ amount: 300 })], { paymentStatus: 'partially_paid', amountPaid: 300 }],
    [
      'paid',
      [movement({ amount: 600 }), movement({ transactionRef: 'pi_2', amount: 400 })],
      { paymentStatus: 'paid', amountPaid: 1000 },
    ],
    [
      'partially_refunded',
      [movement(), movement({ kind: 'refund', transactionRef: 're_1', amount: 250 })],
      { paymentStatus: 'partially_refunded', amountRefunded: 250 },
    ],
    [
      'refunded',
      [movement(), movement({ kind: 'refund', transactionRef: 're_1' })],
      { paymentStatus: 'refunded', amountRefunded: 1000 },
    ],
    [
      'disputed',
      [movement(), movement({ kind: 'dispute', transactionRef: 'dp_1', status: 'needs_response' })],
      { paymentStatus: 'disputed', amountRefunded: 0 },
    ],
    [
      'paid again after a won dispute',
      [movement(), movement({ kind: 'dispute', transactionRef: 'dp_1', status: 'won' })],
      { paymentStatus: 'paid' },
    ],
  ])('%s', async (_name, movements, expected) => {
    let order = await freshOrder();
    for (const body of movements) order = (await record(order, body)).body;
    expect(order).toMatchObject(expected);
    expect((await call<Order>('GET', `/v1/orders/${order.id}`)).body).toMatchObject(expected);
  });

  test('changing lines re-derives paymentStatus', async () => {
    const order = await freshOrder();
    await record(order, movement({ amount: 1000 }));
    const bigger = await call<Order>('PATCH', `/v1/orders/${order.id}`, {
      body: { lines: [{ sku: 'A', quantity: 3, unitAmount: 500 }] },
    });
    expect(bigger.body).toMatchObject({ totalAmount: 1500, paymentStatus: 'partially_paid' });
  });

  test('lists filter on paymentStatus', async () => {
    const paid = await freshOrder();
    await record(paid, movement());
    const unpaid = await freshOrder();
    const page = await call<Page<Order>>('GET', '/v1/orders?paymentStatus=paid&limit=200');
    expect(page.body.data.every((order) => order.paymentStatus === 'paid')).toBe(true);
    expect(page.body.data.map((order) => order.id)).toContain(paid.id);
    expect(page.body.data.map((order) => order.id)).not.toContain(unpaid.id);
    expect((await call('GET', '/v1/orders?paymentStatus=settled')).status).toBe(400);
  });
});
