import { z } from 'zod';
import { SETTINGS } from '../config/settings';

/**
 * What an operator may say about a connection, checked at the edge (CLI flags, admin API bodies)
 * before anything is stored. Per-connection settings reuse the process settings' own schemas, so a
 * connection accepts exactly what the environment would.
 */

/** As CONNECTION_ID: lower-case letters, digits and `-`; the id travels in workflow ids, webhook paths and logs. */
export const CONNECTION_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

export const connectionIdSchema = z
  .string()
  .regex(
    CONNECTION_ID_PATTERN,
    'a connection id is 1 to 32 lower-case letters, digits or "-", starting with a letter or digit',
  );

/** The connection the environment variables describe; it is never stored, so it cannot be added. */
export const ENVIRONMENT_CONNECTION_ID = 'default';

const stripeKey = z
  .string()
  .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]{8,}$/, 'expected a Stripe secret key (sk_test_..., sk_live_..., rk_...)');
const stripeAccount = z.string().regex(/^acct_[A-Za-z0-9]{1,64}$/, 'expected a Stripe account id (acct_...)');
const monstockUrl = z.url({ protocol: /^https?$/ }).transform((value) => value.replace(/\/+$/, ''));
const secretText = z.string().min(8, 'at least 8 characters').max(512);

/**
 * Settings a connection may set for itself; each unset one follows the process setting. Kept as
 * the operator wrote them (the same text as the environment variable) and parsed when resolved.
 */
export const connectionSettingsSchema = z
  .object({
    capture: SETTINGS.STRIPE_CAPTURE.schema,
    matchRules: z.string().refine((text) => SETTINGS.STRIPE_ORDER_MATCH_RULES.schema.safeParse(text).success, {
      message: 'match rules are metadata:<key> or client_reference_id, comma-separated',
    }),
    ignoreMetadata: z.string().refine((text) => SETTINGS.STRIPE_IGNORE_METADATA.schema.safeParse(text).success, {
      message: 'ignore rules are <metadata key>=<value>, comma-separated',
    }),
    createPaymentIntents: z.boolean(),
    autoRefundCancelled: z.boolean(),
    reconciliationAt: SETTINGS.RECONCILIATION_AT.schema,
    reconciliationTimeZone: SETTINGS.RECONCILIATION_TIME_ZONE.schema,
    reconciliationWindowHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 90),
    monstockPollInterval: SETTINGS.MONSTOCK_POLL_INTERVAL.schema,
    customerSyncPollInterval: SETTINGS.CUSTOMER_SYNC_POLL_INTERVAL.schema,
  })
  .partial()
  .strict();

export type ConnectionSettingsInput = z.infer<typeof connectionSettingsSchema>;

/** `add` / `POST /connections`: exactly one of a Stripe key or a connected account. */
export const newConnectionSchema = z
  .object({
    id: connectionIdSchema.refine((id) => id !== ENVIRONMENT_CONNECTION_ID, {
      message: `"${ENVIRONMENT_CONNECTION_ID}" is the connection the environment variables configure; pick another id`,
    }),
    monstockUrl,
    monstockToken: secretText,
    monstockWebhookSecret: secretText,
    stripeKey: stripeKey.optional(),
    stripeAccount: stripeAccount.optional(),
    settings: connectionSettingsSchema.default({}),
  })
  .strict()
  .refine((input) => (input.stripeKey === undefined) !== (input.stripeAccount === undefined), {
    message:
      'give exactly one of a Stripe key (--stripe-key, stripeKey) or a connected account (--stripe-account, stripeAccount)',
  });

export type NewConnection = z.infer<typeof newConnectionSchema>;

/** `update` / `PATCH`: any field but the id; switching between key and account replaces the other. */
export const connectionChangesSchema = z
  .object({
    monstockUrl: monstockUrl.optional(),
    monstockToken: secretText.optional(),
    monstockWebhookSecret: secretText.optional(),
    stripeKey: stripeKey.optional(),
    stripeAccount: stripeAccount.optional(),
    settings: connectionSettingsSchema.optional(),
  })
  .strict()
  .refine((input) => input.stripeKey === undefined || input.stripeAccount === undefined, {
    message: 'give a Stripe key or a connected account, not both',
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), {
    message: 'nothing to change',
  });

export type ConnectionChanges = z.infer<typeof connectionChangesSchema>;

/** The first problem of a zod failure, with the field it concerns. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}
