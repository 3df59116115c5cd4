import { conflict, notFound, validationFailed } from './errors';
import { newId } from './ids';
import { listFilterOf, pageOf } from './listing';
import type { ServiceDeps } from './orderService';
import { applyRefundRequestPatch, newRefundRequest, refundRequestProblem } from './refundRequestModel';
import { stamp } from './sameContent';
import type { RefundRequestInput, RefundRequestListQuery, RefundRequestPatch } from './schemas';
import type { Order, Page, RefundRequest } from './types';

/**
 * Refund requests (ours): Monstock asks, the connector refunds in Stripe and reports back.
 * Creating one is an order change (new version, order.refund_requested) so the order feed and
 * the webhook both carry it; the connector's reports change the request only.
 */
export class RefundRequestService {
  constructor(private readonly deps: ServiceDeps) {}

  create(orderId: string, input: RefundRequestInput, changeSource?: string): RefundRequest {
    const { store, clock, events } = this.deps;
    return store.transaction(() => {
      const order = this.order(orderId);
      const problem = refundRequestProblem(order, input);
      if (problem) throw validationFailed(problem);
      const at = clock.tick();
      const request = newRefundRequest(order, input, newId('rfq'), at);
      store.saveRefundRequest(request);
      const next = stamp(order, at);
      store.saveOrder(next);
      events.publish('order.refund_requested', next, { refundRequestId: request.id }, changeSource);
      return request;
    });
  }

  list(orderId: string, query: RefundRequestListQuery): Page<RefundRequest> {
    this.order(orderId);
    return pageOf(this.deps.store.listRefundRequests(orderId, listFilterOf(query)));
  }

  update(orderId: string, id: string, patch: RefundRequestPatch): RefundRequest {
    const { store, clock } = this.deps;
    return store.transaction(() => {
      this.order(orderId);
      const current = store.getRefundRequest(orderId, id);
      if (!current) throw notFound(`No refund request ${id} on order ${orderId}.`);
      const result = applyRefundRequestPatch(current, patch);
      switch (result.outcome) {
        case 'invalid':
          throw validationFailed(result.message);
        case 'conflict':
          throw conflict(result.message);
        case 'unchanged':
          return current;
        case 'updated': {
          const next = { ...result.request, updatedAt: clock.tick() };
          store.saveRefundRequest(next);
          return next;
        }
      }
    });
  }

  private order(orderId: string): Order {
    const order = this.deps.store.getOrder(orderId);
    if (!order) throw notFound(`No order ${orderId}.`);
    return order;
  }
}
