/**
 * The Monstock resources as the sandbox stores and serves them (docs/monstock-api.yaml,
 * components/schemas). Kept free of zod so the connector side can share the shapes cheaply.
 */
export const PAYMENT_STATUSES = [
  'unpaid',
  'partially_paid',
  /** Ours: authorised (and captured) money covers the total, but not all of it is captured yet. */
  'authorized',
  'paid',
  'partially_refunded',
  'refunded',
  'disputed',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const ORDER_STATUSES = ['draft', 'confirmed', 'preparing', 'shipped', 'delivered', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const MOVEMENT_KINDS = ['payment', 'refund', 'dispute'] as const;
export type MovementKind = (typeof MOVEMENT_KINDS)[number];

/** `authorized` and `canceled` are ours, for payments only: capture at shipment (see the contract). */
export const MOVEMENT_STATUSES = [
  'pending',
  'authorized',
  'succeeded',
  'failed',
  'canceled',
  'needs_response',
  'won',
  'lost',
] as const;
export type MovementStatus = (typeof MOVEMENT_STATUSES)[number];

/** Ours (not in the shared contract): why a pending movement waits. */
export const PENDING_REASONS = ['requires_action', 'processing'] as const;
export type PendingReason = (typeof PENDING_REASONS)[number];

export const EVENT_TYPES = [
  'order.created',
  'order.updated',
  'order.cancelled',
  /** Ours: a refund request was created on the order (the order's version moved with it). */
  'order.refund_requested',
  'customer.created',
  'customer.updated',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Ours: when the order's payment is captured: at once, or when the order ships. */
export const PAYMENT_CAPTURES = ['automatic', 'on_shipment'] as const;
export type PaymentCapture = (typeof PAYMENT_CAPTURES)[number];

/** Ours: the life of a refund request Monstock hands to the connector. */
export const REFUND_REQUEST_STATUSES = ['requested', 'processing', 'succeeded', 'failed', 'rejected'] as const;
export type RefundRequestStatus = (typeof REFUND_REQUEST_STATUSES)[number];

export type ExternalRefs = Record<string, string>;

export interface Address {
  line1?: string;
  line2?: string;
  postalCode?: string;
  city?: string;
  country?: string;
}

export interface OrderLine {
  sku: string;
  label?: string;
  quantity: number;
  unitAmount: number;
}

export interface Payment {
  id: string;
  kind: MovementKind;
  transactionRef: string;
  amount: number;
  currency: string;
  status: MovementStatus;
  occurredAt: string;
  method?: string;
  methodDetails?: string;
  failureReason?: string;
  feeAmount?: number;
  netAmount?: number;
  provider: string;
  recordedAt: string;
  /** Ours: why a pending movement waits; present only while status is "pending". */
  pendingReason?: PendingReason;
  /** Ours: the currency of feeAmount and netAmount when it differs from `currency`. */
  settlementCurrency?: string;
}

export interface Order {
  id: string;
  reference: string;
  customerId: string;
  currency: string;
  lines: OrderLine[];
  totalAmount: number;
  status: OrderStatus;
  /** Ours: absent unless the order was created or patched with one (absent: the connection's default). */
  paymentCapture?: PaymentCapture;
  paymentStatus: PaymentStatus;
  amountPaid: number;
  amountRefunded: number;
  payments: Payment[];
  externalRefs: ExternalRefs;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** Ours: a refund Monstock asks the connector to make in Stripe. */
export interface RefundRequest {
  id: string;
  orderId: string;
  amount: number;
  currency: string;
  reason: string | null;
  status: RefundRequestStatus;
  /** Only while status is failed or rejected. */
  failureReason?: string;
  stripeRefundIds: string[];
  createdAt: string;
  updatedAt: string;
}

export interface Customer {
  id: string;
  email: string;
  name: string;
  phone?: string;
  address?: Address;
  externalRefs: ExternalRefs;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface MonstockEvent {
  id: string;
  type: EventType;
  createdAt: string;
  /** Ours: the `Monstock-Change-Source` of the request that made the change; null when it named none. */
  changeSource: string | null;
  /** refundRequestId (ours) only on order.refund_requested. */
  data: { object: Order | Customer; refundRequestId?: string };
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
