import type { WebhookOutbox } from '../kit/webhookOutbox';
import { newId } from './ids';
import { DEFAULT_TENANT_ID, type MonstockStore } from './store';
import type { Customer, EventType, MonstockEvent, Order } from './types';

/**
 * Turns each change into an event: kept in the events table, and queued for the webhook
 * endpoint in the same SQLite file, so a change and its delivery commit or roll back together.
 */
export const WEBHOOK_ENDPOINT_ID = 'monstock';

/** Each tenant's deliveries are their own endpoint, so the outbox signs them with its secret. */
const TENANT_ENDPOINT_PREFIX = 'monstock:';

export function webhookEndpointIdOf(tenantId: string): string {
  return tenantId === DEFAULT_TENANT_ID ? WEBHOOK_ENDPOINT_ID : `${TENANT_ENDPOINT_PREFIX}${tenantId}`;
}

export function tenantIdOfEndpoint(endpointId: string): string | undefined {
  if (endpointId === WEBHOOK_ENDPOINT_ID) return DEFAULT_TENANT_ID;
  return endpointId.startsWith(TENANT_ENDPOINT_PREFIX) ? endpointId.slice(TENANT_ENDPOINT_PREFIX.length) : undefined;
}

export interface EventPublisher {
  /** `extra` (ours) rides next to `object` in `data`, e.g. the refundRequestId of order.refund_requested. */
  publish(
    type: EventType,
    object: Order | Customer,
    extra?: { refundRequestId?: string },
    changeSource?: string,
  ): MonstockEvent;
}

export interface EventPublisherOptions {
  /** The tenant's own view of the store: its events are recorded as the tenant's. */
  store: MonstockStore;
  outbox: WebhookOutbox;
  /** Undefined or empty: events are only recorded, nothing is sent. */
  webhookUrl: string | undefined;
}

export function createEventPublisher(options: EventPublisherOptions): EventPublisher {
  return {
    publish(type, object, extra = {}, changeSource) {
      const event: MonstockEvent = {
        id: newId('evt'),
        type,
        createdAt: object.updatedAt,
        changeSource: changeSource ?? null,
        data: { object, ...extra },
      };
      options.store.appendEvent(event);
      if (options.webhookUrl) {
        options.outbox.enqueue({
          eventId: event.id,
          endpointId: webhookEndpointIdOf(options.store.tenantId),
          url: options.webhookUrl,
          payload: JSON.stringify(event),
        });
      }
      return event;
    },
  };
}
