import { z } from 'zod';
import {
  MOVEMENT_KINDS,
  MOVEMENT_STATUSES,
  ORDER_STATUSES,
  PAYMENT_CAPTURES,
  PAYMENT_STATUSES,
  PENDING_REASONS,
} from './types';

/**
 * Request validation for the Monstock contract. Objects are strict: a field the contract does
 * not know is refused (422) rather than silently dropped, so a client bug surfaces here instead
 * of as data quietly lost against the real service.
 */
const nonBlank = z.string().refine((value) => value.trim().length > 0, 'must not be empty');
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code in upper case, e.g. "EUR"');
const timestamp = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time' });
// "Loose" on purpose: one @, something before it, and a dot inside the domain.
const email = z.string().regex(/^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$/, 'must be an email address');

export const orderLineSchema = z.strictObject({
  sku: nonBlank,
  label: z.string().optional(),
  quantity: z.int().min(1),
  unitAmount: z.int().min(0),
});

/**
 * External ids, merged key by key. On input a value of `null` or `""` removes the key: `null`
 * because that is JSON Merge Patch, `""` because the contract types the values as strings, so
 * a client with strict types can only ever send an empty string to mean "gone".
 */
export const externalRefsPatchSchema = z.record(nonBlank, z.string().nullable());

export const orderInputSchema = z.strictObject({
  reference: nonBlank,
  customerId: nonBlank,
  currency,
  lines: z.array(orderLineSchema),
  status: z.enum(ORDER_STATUSES).optional(),
  /** Ours: "automatic" when absent. */
  paymentCapture: z.enum(PAYMENT_CAPTURES).optional(),
});

export const orderPatchSchema = z.strictObject({
  lines: z.array(orderLineSchema).optional(),
  status: z.enum(ORDER_STATUSES).optional(),
  externalRefs: externalRefsPatchSchema.optional(),
  /** Ours. */
  paymentCapture: z.enum(PAYMENT_CAPTURES).optional(),
});

export const paymentInputSchema = z.strictObject({
  kind: z.enum(MOVEMENT_KINDS),
  transactionRef: nonBlank,
  amount: z.int().min(0),
  currency,
  status: z.enum(MOVEMENT_STATUSES),
  occurredAt: timestamp,
  method: z.string().optional(),
  methodDetails: z.string().optional(),
  failureReason: z.string().optional(),
  feeAmount: z.int().optional(),
  netAmount: z.int().optional(),
  provider: nonBlank.optional(),
  /** Ours: why a pending movement waits; only with status "pending" (checked by applyMovement, 422). */
  pendingReason: z.enum(PENDING_REASONS).optional(),
  /** Ours: the currency of feeAmount and netAmount when it differs from `currency`. */
  settlementCurrency: currency.optional(),
});

/** Ours: a refund Monstock asks the connector to make; amount in minor units, the order's currency. */
export const refundRequestInputSchema = z.strictObject({
  amount: z.int().min(1),
  currency,
  reason: z.string().nullable().optional(),
});

/** Ours: the connector reporting on a refund request (transitions checked by refundRequestModel). */
export const refundRequestPatchSchema = z.strictObject({
  status: z.enum(['processing', 'succeeded', 'failed', 'rejected']),
  failureReason: nonBlank.optional(),
  stripeRefundIds: z.array(nonBlank).optional(),
});

const addressSchema = z.strictObject({
  line1: z.string().optional(),
  line2: z.string().optional(),
  postalCode: z.string().optional(),
  city: z.string().optional(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code, e.g. "FR"')
    .optional(),
});

export const customerInputSchema = z.strictObject({
  email,
  name: nonBlank,
  phone: z.string().optional(),
  address: addressSchema.optional(),
  externalRefs: externalRefsPatchSchema.optional(),
});

/** `null` clears an optional field (phone, address); email and name can only be replaced. */
export const customerPatchSchema = z.strictObject({
  email: email.optional(),
  name: nonBlank.optional(),
  phone: z.string().nullable().optional(),
  address: addressSchema.nullable().optional(),
  externalRefs: externalRefsPatchSchema.optional(),
});

export const seedSchema = z.strictObject({
  customers: z.int().min(0).max(10_000).default(0),
  orders: z.int().min(0).max(10_000).default(0),
  currency: currency.default('EUR'),
  /** Seeded data emits webhooks like any change unless told not to (bulk backfill tests). */
  webhooks: z.boolean().default(true),
  /** Whose data to seed (see POST /_sandbox/tenants); the default tenant when absent. */
  tenantId: z.string().min(1).max(100).optional(),
});

/** `POST /_sandbox/tenants`: a new merchant; no webhookUrl records its events without sending them. */
export const tenantInputSchema = z.strictObject({
  webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
});

const limit = z
  .string()
  .regex(/^\d+$/, 'must be an integer')
  .transform(Number)
  .pipe(z.int().min(1, 'must be between 1 and 200').max(200, 'must be between 1 and 200'));

const listBase = {
  limit: limit.default(50),
  cursor: z.string().min(1).optional(),
  updatedSince: timestamp.optional(),
};

export const orderListQuerySchema = z.strictObject({
  ...listBase,
  paymentStatus: z.enum(PAYMENT_STATUSES).optional(),
  reference: z.string().min(1).max(200).optional(),
});
export const refundRequestListQuerySchema = z.strictObject({
  limit: limit.default(50),
  cursor: z.string().min(1).optional(),
});
export const customerListQuerySchema = z.strictObject({ ...listBase, email: z.string().optional() });

export type OrderInput = z.infer<typeof orderInputSchema>;
export type OrderPatch = z.infer<typeof orderPatchSchema>;
export type PaymentInput = z.infer<typeof paymentInputSchema>;
export type CustomerInput = z.infer<typeof customerInputSchema>;
export type CustomerPatch = z.infer<typeof customerPatchSchema>;
export type RefundRequestInput = z.infer<typeof refundRequestInputSchema>;
export type RefundRequestPatch = z.infer<typeof refundRequestPatchSchema>;
export type RefundRequestListQuery = z.infer<typeof refundRequestListQuerySchema>;
export type SeedInput = z.infer<typeof seedSchema>;
export type OrderListQuery = z.infer<typeof orderListQuerySchema>;
export type CustomerListQuery = z.infer<typeof customerListQuerySchema>;
