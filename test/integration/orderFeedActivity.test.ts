import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import {
  createPollOrderFeed,
  ORDER_FEED_NOT_WIRED,
  type PollOrderFeedInput,
  type PollOrderFeedResult,
} from '../../src/activities/orderFeed/pollOrderFeed';
import type { Order } from '../../src/monstock/schemas';
import type { OrderFeedCursor } from '../../src/shared/orderFeed';
import type { MonstockOrderRef } from '../../src/shared/orderPayment';
import { startMonstockFixture, type MonstockFixture } from '../support/monstockSandbox';

/**
 * The feed's one activity against the Monstock sandbox's real listing: a backlog spread over
 * several bounded calls, each order handed over once, heartbeats as the resume point.
 */
/** The failures are the point of some tests: the SDK's warnings about them are noise. */
const QUIET = new DefaultLogger('ERROR');

describe('pollMonstockOrderFeed', () => {
  const BACKLOG = 230;
  let monstock: MonstockFixture;
  let orders: Order[];
  let delivered: MonstockOrderRef[];
  let failAfter: number | undefined;

  const orderChanged = async (_connectionId: string, change: MonstockOrderRef) => {
    if (failAfter !== undefined && delivered.length >= failAfter) throw new Error('Temporal unreachable');
    delivered.push(change);
  };

  beforeAll(async () => {
    monstock = await startMonstockFixture();
    orders = [];
    for (let start = 0; start < BACKLOG; start += 10) {
      orders.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(10, BACKLOG - start) }, (_, index) =>
            monstock.createOrder(1000 + start + index),
          ),
        )),
      );
    }
    orders.sort((a, b) => (a.updatedAt === b.updatedAt ? (a.id < b.id ? -1 : 1) : a.updatedAt < b.updatedAt ? -1 : 1));
  }, 60_000);
  afterAll(() => monstock?.close());

  beforeEach(() => {
    delivered = [];
    failAfter = undefined;
  });

  function run(
    input: Omit<PollOrderFeedInput, 'connectionId'>,
    heartbeatDetails?: unknown,
    heartbeats: unknown[] = [],
  ): Promise<PollOrderFeedResult> {
    const environment = new MockActivityEnvironment(heartbeatDetails === undefined ? {} : { heartbeatDetails }, {
      logger: QUIET,
    });
    environment.on('heartbeat', (details: unknown) => heartbeats.push(details));
    return environment.run(createPollOrderFeed({ monstock: monstock.client, orderChanged }), {
      connectionId: 'default',
      ...input,
    });
  }

  it('spreads a backlog over bounded calls, handing each order over once, oldest first', async () => {
    let cursor: OrderFeedCursor = {};
    const calls = [];
    for (let call = 0; call < 5; call += 1) {
      const result = await run({ cursor, maxPages: 1 });
      calls.push(result);
      cursor = result.cursor;
      if (!result.more) break;
    }
    expect(calls.map((call) => [call.delivered, call.more])).toEqual([
      [100, true],
      [100, true],
      [30, false],
    ]);
    expect(calls[0]!.cursor.page).toBeDefined();
    expect(delivered.map((change) => change.orderId)).toEqual(orders.map((order) => order.id));
    expect(delivered[0]).toEqual({
      eventId: `poll:${orders[0]!.id}:1`,
      type: 'order.polled',
      orderId: orders[0]!.id,
      version: 1,
      updatedAt: orders[0]!.updatedAt,
    });
    const last = orders[orders.length - 1]!;
    expect(cursor).toEqual({ updatedSince: last.updatedAt, lastId: last.id });

    delivered = [];
    expect(await run({ cursor })).toEqual({ cursor, delivered: 0, skipped: 1, pages: 1, more: false });
    const changed = await monstock.client.updateOrder(orders[5]!.id, { status: 'preparing' });
    const next = await run({ cursor });
    expect(delivered).toEqual([
      expect.objectContaining({
        orderId: changed.id,
        version: changed.version,
        eventId: `poll:${changed.id}:${changed.version}`,
      }),
    ]);
    expect(next.cursor).toEqual({ updatedSince: changed.updatedAt, lastId: changed.id });
    // It now sorts last, as Monstock lists it.
    orders = [...orders.filter((order) => order.id !== changed.id), changed];
  });

  it('beats after every page with the progress it would resume from', async () => {
    const heartbeats: unknown[] = [];
    await run({ cursor: {}, maxPages: 2 }, undefined, heartbeats);
    // Beats within a page still carry the progress as of its start: a retry re-reads that page.
    const lastBeatOfPage = new Map(heartbeats.map((beat) => [(beat as { pages: number }).pages, beat]));
    expect([...lastBeatOfPage.values()]).toEqual([
      { cursor: {}, delivered: 0, skipped: 0, pages: 0 },
      {
        cursor: { updatedSince: orders[99]!.updatedAt, lastId: orders[99]!.id, page: expect.any(String) },
        delivered: 100,
        skipped: 0,
        pages: 1,
      },
      {
        cursor: { updatedSince: orders[199]!.updatedAt, lastId: orders[199]!.id, page: expect.any(String) },
        delivered: 200,
        skipped: 0,
        pages: 2,
      },
    ]);
  });

  it('resumes a retried call from its last heartbeat, not from the cursor it was given', async () => {
    failAfter = 150;
    const heartbeats: unknown[] = [];
    await expect(run({ cursor: {} }, undefined, heartbeats)).rejects.toThrow('Temporal unreachable');
    const lastBeat = heartbeats[heartbeats.length - 1];
    expect(lastBeat).toMatchObject({ delivered: 100, pages: 1, cursor: { lastId: orders[99]!.id } });

    failAfter = undefined;
    delivered = [];
    const retried = await run({ cursor: {} }, lastBeat);
    expect(retried).toMatchObject({ delivered: BACKLOG, pages: 3, more: false });
    expect(delivered.map((change) => change.orderId)).toEqual(orders.slice(100).map((order) => order.id));
  });

  it('reads again from its key when Monstock refuses the page cursor', async () => {
    const cursor = {
      updatedSince: orders[219]!.updatedAt,
      lastId: orders[219]!.id,
      page: 'not-a-cursor-monstock-gave',
    };
    const result = await run({ cursor });
    expect(delivered.map((change) => change.orderId)).toEqual(orders.slice(220).map((order) => order.id));
    expect(result).toMatchObject({ delivered: 10, skipped: 1, more: false });
    expect(result.cursor.page).toBeUndefined();
  });

  it('fails for good when the worker has no orderChanged client', async () => {
    const environment = new MockActivityEnvironment({}, { logger: QUIET });
    const failure = await environment
      .run(createPollOrderFeed({ monstock: monstock.client }), { connectionId: 'default', cursor: {} })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: ORDER_FEED_NOT_WIRED, nonRetryable: true });
  });
});
