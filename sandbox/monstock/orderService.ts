import type { Clock } from './clock';
import { conflict, notFound, validationFailed } from './errors';
import type { EventPublisher } from './events';
import { newId } from './ids';
import { listFilterOf, pageOf } from './listing';
import { applyMovement, applyOrderPatch, newOrder } from './orderModel';
import { checkVersion, type ExpectedVersion } from './preconditions';
import { sameContent, stamp } from './sameContent';
import type { OrderInput, OrderListQuery, OrderPatch, PaymentInput } from './schemas';
import type { MonstockStore } from './store';
import type { Order, Page } from './types';

/** Order use cases: validation that needs the store, versioning, persistence and events. */
export interface ServiceDeps {
  store: MonstockStore;
  clock: Clock;
  events: EventPublisher;
}

export interface RecordPaymentResult {
  created: boolean;
  order: Order;
}

export class OrderService {
  constructor(private readonly deps: ServiceDeps) {}

  create(input: OrderInput, options: { publish?: boolean; changeSource?: string } = {}): Order {
    const { store, clock, events } = this.deps;
    return store.transaction(() => {
      if (!store.getCustomer(input.customerId)) throw validationFailed(`customerId: no customer ${input.customerId}.`);
      const order = newOrder(input, newId('ord'), clock.tick());
      assertSafeTotal(order);
      store.saveOrder(order);
      if (options.publish ?? true) events.publish('order.created', order, {}, options.changeSource);
      return order;
    });
  }

  get(id: string): Order {
    const order = this.deps.store.getOrder(id);
    if (!order) throw notFound(`No order ${id}.`);
    return order;
  }

  update(id: string, patch: OrderPatch, expected: ExpectedVersion, changeSource?: string): Order {
    const { store, clock, events } = this.deps;
    return store.transaction(() => {
      const current = this.get(id);
      checkVersion('order', id, current.version, expected);
      const patched = applyOrderPatch(current, patch);
      if (sameContent(current, patched)) return current;
      assertSafeTotal(patched);
      const next = stamp(patched, clock.tick());
      store.saveOrder(next);
      // Cancelling is its own event, not an update as well: one change, one event.
      const cancelled = current.status !== 'cancelled' && next.status === 'cancelled';
      events.publish(cancelled ? 'order.cancelled' : 'order.updated', next, {}, changeSource);
      return next;
    });
  }

  recordPayment(
    id: string,
    input: PaymentInput,
    expected: ExpectedVersion,
    changeSource?: string,
  ): RecordPaymentResult {
    const { store, clock, events } = this.deps;
    return store.transaction(() => {
      const current = this.get(id);
      checkVersion('order', id, current.version, expected);
      let at: string | undefined;
      const tick = (): string => (at ??= clock.tick());
      const result = applyMovement(current, input, () => ({ paymentId: newId('pay'), recordedAt: tick() }));
      switch (result.outcome) {
        case 'invalid':
          throw validationFailed(result.message);
        case 'conflict':
          throw conflict(result.message);
        case 'unchanged':
          return { created: false, order: current };
        case 'created':
        case 'updated': {
          const next = stamp(result.order, tick());
          store.saveOrder(next);
          events.publish('order.updated', next, {}, changeSource);
          return { created: result.outcome === 'created', order: next };
        }
      }
    });
  }

  list(query: OrderListQuery): Page<Order> {
    const filter = listFilterOf(query);
    return pageOf(
      this.deps.store.listOrders({
        ...filter,
        ...(query.paymentStatus ? { paymentStatus: query.paymentStatus } : {}),
        ...(query.reference ? { reference: query.reference } : {}),
      }),
    );
  }
}

function assertSafeTotal(order: Order): void {
  if (!Number.isSafeInteger(order.totalAmount)) throw validationFailed('lines: the order total is too large.');
}
