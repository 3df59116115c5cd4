import { z } from 'zod';
import { isOwnWrite } from '../customers/ownWrites';
import { CONNECTOR_CHANGE_SOURCE } from '../monstock/changeSource';
import type { CustomerChangeAtEdge } from '../shared/customerSync';
import { describeBadId, isSafeMonstockId } from '../shared/ids';
import { paymentStatusSchema } from '../monstock/schemas';
import type { MonstockOrderRef, OrderSearchFacts } from '../shared/orderPayment';

export const monstockWebhookEventSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  createdAt: z.string(),
  /** Ours: who made the change, as its request named itself (`Monstock-Change-Source`); absent from other Monstocks. */
  changeSource: z.string().nullish(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});

/** The envelope of a verified webhook; the object stays untyped JSON until its event type says what it is. */
export type MonstockWebhookEvent = z.infer<typeof monstockWebhookEventSchema>;

/**
 * What the webhook does with each Monstock event type, in one table. Only ids and the version
 * travel on: the workflows read the latest record themselves, so an event's snapshot (older,
 * duplicated, reordered) is never trusted as the truth, and no personal data reaches history.
 */
export const ORDER_EVENT_TYPES = [
  'order.created',
  'order.updated',
  'order.cancelled',
  // An order change carrying a new version (a refund request was created): routed like order.updated.
  'order.refund_requested',
] as const;
export const CUSTOMER_EVENT_TYPES = ['customer.created', 'customer.updated'] as const;
export const HANDLED_MONSTOCK_EVENT_TYPES: readonly string[] = [...ORDER_EVENT_TYPES, ...CUSTOMER_EVENT_TYPES];

export type MonstockCustomerChange = CustomerChangeAtEdge & { source: 'monstock'; eventId: string; changedAt: string };

export type InvalidObjectReason = 'invalid_order' | 'invalid_customer' | 'invalid_id';

/** Which id of a signed event failed the id check (see `isSafeMonstockId`). */
export type InvalidMonstockIdField = 'event_id' | 'order_id' | 'customer_id';

export type MonstockEventAction =
  | { kind: 'order'; change: MonstockOrderRef; searchable?: OrderSearchFacts }
  | { kind: 'customer'; change: MonstockCustomerChange }
  | { kind: 'skip'; reason: 'unknown_type' }
  /** Monstock's echo of a write the connector made itself: acknowledged, not delivered. */
  | { kind: 'own_write'; orderId: string; version: number }
  /** A signed event of a known type without the fields that route it: a 400, Monstock's bug to see. */
  | { kind: 'reject'; reason: InvalidObjectReason; field?: InvalidMonstockIdField; value?: string };

const orderKeySchema = z.object({
  id: z.string().min(1),
  version: z.number().int().min(0),
  updatedAt: z.iso.datetime({ offset: true }),
});

/** Read apart from the key: a snapshot without these (or malformed) is still routed, only without them. */
const orderSearchFactsSchema = z.object({
  reference: z.string().min(1).max(200),
  paymentStatus: paymentStatusSchema,
});

const customerKeySchema = z.object({ id: z.string().min(1) });
/**
 * What a signed snapshot says about who wrote it. Read apart from the key: a snapshot without
 * these (or with them malformed) is still routed, as a change to sync.
 */
const customerWriterSchema = z.object({
  version: z.number().int().min(0),
  externalRefs: z.record(z.string(), z.string()),
});

const isOrderType = (type: string): type is (typeof ORDER_EVENT_TYPES)[number] =>
  (ORDER_EVENT_TYPES as readonly string[]).includes(type);
const isCustomerType = (type: string): boolean => (CUSTOMER_EVENT_TYPES as readonly string[]).includes(type);

export function monstockEventAction(event: MonstockWebhookEvent): MonstockEventAction {
  const object = event.data.object;
  // Ids become workflow ids and history: one that could never fit is a 400, whatever the type.
  if (!isSafeMonstockId(event.id)) return invalidId('event_id', event.id);
  if (isOrderType(event.type)) {
    const order = orderKeySchema.safeParse(object);
    if (!order.success) return { kind: 'reject', reason: 'invalid_order' };
    if (!isSafeMonstockId(order.data.id)) return invalidId('order_id', order.data.id);
    // Only an update: a creation, a cancellation or a refund request always goes through (none is ours).
    if (event.type === 'order.updated' && event.changeSource === CONNECTOR_CHANGE_SOURCE)
      return { kind: 'own_write', orderId: order.data.id, version: order.data.version };
    const searchable = orderSearchFactsSchema.safeParse(object);
    return {
      kind: 'order',
      change: {
        eventId: event.id,
        type: event.type,
        orderId: order.data.id,
        version: order.data.version,
        updatedAt: order.data.updatedAt,
      },
      ...(searchable.success ? { searchable: searchable.data } : {}),
    };
  }
  if (isCustomerType(event.type)) {
    const customer = customerKeySchema.safeParse(object);
    if (!customer.success) return { kind: 'reject', reason: 'invalid_customer' };
    if (!isSafeMonstockId(customer.data.id)) return invalidId('customer_id', customer.data.id);
    const change: MonstockCustomerChange = {
      source: 'monstock',
      customerId: customer.data.id,
      eventId: event.id,
      changedAt: event.createdAt,
    };
    // Only an update can be our echo: a creation by the connector is not marked (its first version is Monstock's).
    const writer = customerWriterSchema.safeParse(object);
    if (event.type === 'customer.updated' && writer.success && isOwnWrite(writer.data)) change.ownWrite = true;
    return { kind: 'customer', change };
  }
  return { kind: 'skip', reason: 'unknown_type' };
}

function invalidId(field: InvalidMonstockIdField, value: unknown): MonstockEventAction {
  return { kind: 'reject', reason: 'invalid_id', field, value: describeBadId(value) };
}
