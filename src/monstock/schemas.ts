import { z } from 'zod';

/**
 * The Monstock resources as `docs/monstock-api.yaml` defines them, validated at the boundary
 * so a surprise in Monstock's answers fails loudly here and not deep in a workflow.
 */
export const paymentStatusSchema = z.enum([
  'unpaid',
  'partially_paid',
  'paid',
  'partially_refunded',
  'refunded',
  'disputed',
]);
export const orderStatusSchema = z.enum(['draft', 'confirmed', 'preparing', 'shipped', 'delivered', 'cancelled']);
export const movementKindSchema = z.enum(['payment', 'refund', 'dispute']);
export const movementStatusSchema = z.enum(['pending', 'succeeded', 'failed', 'needs_response', 'won', 'lost']);
/** Ours (marked in docs/monstock-api.yaml): why a pending movement waits; only with status pending. */
export const pendingReasonSchema = z.enum(['requires_action', 'processing']);

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
}
export interface OrderPatch {
  lines?: OrderLine[];
  status?: OrderStatus;
  externalRefs?: Record<string, string>;
}
export interface CustomerInput {
  email?: string;
  name?: string;
  phone?: string;
  address?: Address;
  externalRefs?: Record<string, string>;
}
