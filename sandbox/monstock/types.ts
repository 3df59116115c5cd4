/**
 * The Monstock resources as the sandbox stores and serves them (docs/monstock-api.yaml,
 * components/schemas). Kept free of zod so the connector side can share the shapes cheaply.
 */
export const PAYMENT_STATUSES = [
  'unpaid',
  'partially_paid',
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

export const MOVEMENT_STATUSES = ['pending', 'succeeded', 'failed', 'needs_response', 'won', 'lost'] as const;
export type MovementStatus = (typeof MOVEMENT_STATUSES)[number];

/** Ours (not in the shared contract): why a pending movement waits. */
export const PENDING_REASONS = ['requires_action', 'processing'] as const;
export type PendingReason = (typeof PENDING_REASONS)[number];

export const EVENT_TYPES = [
  'order.created',
  'order.updated',
  'order.cancelled',
  'customer.created',
  'customer.updated',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

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
  paymentStatus: PaymentStatus;
  amountPaid: number;
  amountRefunded: number;
  payments: Payment[];
  externalRefs: ExternalRefs;
  createdAt: string;
  updatedAt: string;
  version: number;
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
  data: { object: Order | Customer };
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
