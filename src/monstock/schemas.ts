import { z } from 'zod';

/**
 * The Monstock resources as `docs/monstock-api.yaml` defines them, validated at the boundary
 * so a surprise in Monstock's answers fails loudly here and not deep in a workflow.
 */
export const paymentStatusSchema = z.enum([
  'unpaid',
  'partially_paid',
  /** Ours: authorised plus captured money covers the total, not all of it captured yet. */
  'authorized',
  'paid',
  'partially_refunded',
  'refunded',
  'disputed',
]);
export const orderStatusSchema = z.enum(['draft', 'confirmed', 'preparing', 'shipped', 'delivered', 'cancelled']);
export const movementKindSchema = z.enum(['payment', 'refund', 'dispute']);
/** `authorized` and `canceled` are ours, for payments only (capture at shipment). */
export const movementStatusSchema = z.enum([
  'pending',
  'authorized',
  'succeeded',
  'failed',
  'canceled',
  'needs_response',
  'won',
  'lost',
]);
/** Ours (marked in docs/monstock-api.yaml): why a pending movement waits; only with status pending. */
export const pendingReasonSchema = z.enum(['requires_action', 'processing']);

/** Ours: when the order's payment is captured; a Monstock that does not send it captures at once. */
export const paymentCaptureSchema = z.enum(['automatic', 'on_shipment']);

/** Ours: the life of a refund request, from Monstock's ask to the connector's report. */
export const refundRequestStatusSchema = z.enum(['requested', 'processing', 'succeeded', 'failed', 'rejected']);

export const refundRequestSchema = z.object({
  id: z.string(),
  orderId: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  reason: z.string().nullable(),
  status: refundRequestStatusSchema,
  failureReason: z.string().optional(),
  stripeRefundIds: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const addressSchema = z.object({
  line1: z.string().optional(),
  line2: z.string().optional(),
  postalCode: z.string().optional(),
  city: z.string().optional(),
  country: z.string().optional(),
});

export const externalRefsSchema = z.record(z.string(), z.string());

export const orderLineSchema = z.object({
  sku: z.string(),
  label: z.string().optional(),
  quantity: z.number().int().min(1),
  unitAmount: z.number().int().min(0),
});

export const paymentInputSchema = z.object({
  kind: movementKindSchema,
  transactionRef: z.string().min(1),
  amount: z.number().int().min(0),
  currency: z.string().regex(/^[A-Z]{3}$/),
  status: movementStatusSchema,
  occurredAt: z.string(),
  method: z.string().optional(),
  methodDetails: z.string().optional(),
  failureReason: z.string().optional(),
  feeAmount: z.number().int().optional(),
  netAmount: z.number().int().optional(),
  provider: z.string().optional(),
  pendingReason: pendingReasonSchema.optional(),
  /** Ours: the currency of feeAmount and netAmount when it differs from `currency`. */
  settlementCurrency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional(),
});

export const paymentSchema = paymentInputSchema.extend({ id: z.string(), recordedAt: z.string() });

export const orderSchema = z.object({
  id: z.string(),
  reference: z.string(),
  customerId: z.string(),
  currency: z.string(),
  lines: z.array(orderLineSchema).optional(),
  totalAmount: z.number().int(),
  status: orderStatusSchema,
  /** Absent: the connection's default (the connector's STRIPE_CAPTURE). */
  paymentCapture: paymentCaptureSchema.optional(),
  paymentStatus: paymentStatusSchema,
  amountPaid: z.number().int(),
  amountRefunded: z.number().int(),
  payments: z.array(paymentSchema),
  externalRefs: externalRefsSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
});

export const customerSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  phone: z.string().optional(),
  address: addressSchema.optional(),
  externalRefs: externalRefsSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
});

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable().optional() });

export const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export type PaymentStatus = z.infer<typeof paymentStatusSchema>;
export type OrderStatus = z.infer<typeof orderStatusSchema>;
export type MovementKind = z.infer<typeof movementKindSchema>;
export type MovementStatus = z.infer<typeof movementStatusSchema>;
export type PaymentCapture = z.infer<typeof paymentCaptureSchema>;
export type RefundRequestStatus = z.infer<typeof refundRequestStatusSchema>;
export type RefundRequest = z.infer<typeof refundRequestSchema>;
export type OrderLine = z.infer<typeof orderLineSchema>;
export type PaymentInput = z.infer<typeof paymentInputSchema>;
export type Payment = z.infer<typeof paymentSchema>;
export type Order = z.infer<typeof orderSchema>;
export type Customer = z.infer<typeof customerSchema>;
export type Address = z.infer<typeof addressSchema>;
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
export interface OrderInput {
  reference: string;
  customerId: string;
  currency: string;
  lines: OrderLine[];
  status?: OrderStatus;
  paymentCapture?: PaymentCapture;
}
export interface OrderPatch {
  lines?: OrderLine[];
  status?: OrderStatus;
  externalRefs?: Record<string, string>;
  paymentCapture?: PaymentCapture;
}
/** Ours: amount in minor units, in the order's currency (upper case, like every currency here). */
export interface RefundRequestInput {
  amount: number;
  currency: string;
  reason?: string | null;
}
/** Ours: the connector's report; stripeRefundIds are added to the ones already known. */
export interface RefundRequestPatch {
  status: Exclude<RefundRequestStatus, 'requested'>;
  /** Only with status failed or rejected. */
  failureReason?: string;
  stripeRefundIds?: string[];
}
export interface CustomerInput {
  email?: string;
  name?: string;
  phone?: string;
  address?: Address;
  externalRefs?: Record<string, string>;
}
