import { z } from 'zod';
import { DEFAULT_MATCH_RULES, parseIgnoreRules, parseMatchRules } from '../matching/matchRules';
import { parseEncryptionKeys } from '../temporal/codec/encryptionCodec';

/**
 * Every setting the connector reads, in one table: name, meaning, default. `.env.example` is
 * checked against this table by a test, so the two cannot drift apart.
 *
 * `developmentValue` is what `npm start` uses for a required secret that is not set, so the
 * embedded stack runs out of the box. A production process (CONNECTOR_MODE unset or `production`)
 * refuses to start without the secret, and refuses the development value itself too
 * (productionChecks.ts); `.env.example` lists secrets empty.
 */
export interface SettingDefinition<T> {
  name: string;
  description: string;
  schema: z.ZodType<T>;
  default?: string;
  developmentValue?: string;
  secret?: boolean;
}

function setting<T>(definition: SettingDefinition<T>): SettingDefinition<T> {
  return definition;
}

const port = z.coerce.number().int().min(0).max(65_535);
const positiveMs = z.coerce.number().int().min(1).max(3_600_000);
const httpUrl = z.url({ protocol: /^https?$/ }).transform((value) => value.replace(/\/+$/, ''));
const secretList = (prefix?: string) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(
          prefix
            ? z.string().startsWith(prefix, `each secret must start with ${prefix}`)
            : z.string().min(8, 'each secret needs at least 8 characters'),
        )
        .min(1, 'at least one secret is required'),
    );

export const SETTINGS = {
  CONNECTOR_MODE: setting({
    name: 'CONNECTOR_MODE',
    description:
      'production (the default) refuses development values, test-mode sandbox keys and credentials sent in clear; development is what `npm start` and the test stacks run.',
    schema: z.enum(['production', 'development']),
    default: 'production',
  }),
  CONNECTION_ID: setting({
    name: 'CONNECTION_ID',
    description: 'Which merchant connection this process serves; part of every workflow id.',
    schema: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lower-case letters, digits and dashes, at most 32'),
    default: 'default',
  }),
  TEMPORAL_ADDRESS: setting({
    name: 'TEMPORAL_ADDRESS',
    description: 'Temporal frontend host:port. Set it to use your own cluster instead of the embedded dev server.',
    schema: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port'),
    default: '127.0.0.1:7233',
  }),
  TEMPORAL_TLS: setting({
    name: 'TEMPORAL_TLS',
    description: 'true: connect to Temporal over TLS (implied by a client certificate or an API key).',
    schema: z.enum(['true', 'false']).transform((value) => value === 'true'),
    default: 'false',
  }),
  TEMPORAL_TLS_CERT_PATH: setting({
    name: 'TEMPORAL_TLS_CERT_PATH',
    description: 'mTLS client certificate (PEM file), with TEMPORAL_TLS_KEY_PATH.',
    schema: z.string().min(1).optional(),
  }),
  TEMPORAL_TLS_KEY_PATH: setting({
    name: 'TEMPORAL_TLS_KEY_PATH',
    description: 'mTLS client private key (PEM file), with TEMPORAL_TLS_CERT_PATH.',
    schema: z.string().min(1).optional(),
  }),
  TEMPORAL_TLS_CA_PATH: setting({
    name: 'TEMPORAL_TLS_CA_PATH',
    description: 'CA certificate of the server (PEM file), when the OS does not trust it.',
    schema: z.string().min(1).optional(),
  }),
  TEMPORAL_TLS_SERVER_NAME: setting({
    name: 'TEMPORAL_TLS_SERVER_NAME',
    description: 'TLS server name (SNI) override, e.g. behind a proxy.',
    schema: z.string().min(1).optional(),
  }),
  TEMPORAL_API_KEY: setting({
    name: 'TEMPORAL_API_KEY',
    description: 'Temporal Cloud API key (implies TLS).',
    schema: z.string().min(8).optional(),
    secret: true,
  }),
  TEMPORAL_NAMESPACE: setting({
    name: 'TEMPORAL_NAMESPACE',
    description: 'Temporal namespace.',
    schema: z.string().min(1),
    default: 'default',
  }),
  TEMPORAL_TASK_QUEUE: setting({
    name: 'TEMPORAL_TASK_QUEUE',
    description: 'Task queue the worker polls.',
    schema: z.string().min(1),
    default: 'monstock-stripe',
  }),
  TEMPORAL_DEV_SERVER_PORT: setting({
    name: 'TEMPORAL_DEV_SERVER_PORT',
    description: 'Frontend port of the embedded dev server (npm start, when TEMPORAL_ADDRESS is not set).',
    schema: port,
    default: '7233',
  }),
  TEMPORAL_UI_PORT: setting({
    name: 'TEMPORAL_UI_PORT',
    description: 'Web UI port of the embedded dev server (npm start).',
    schema: port,
    default: '8233',
  }),
  TEMPORAL_UI_URL: setting({
    name: 'TEMPORAL_UI_URL',
    description:
      "Base URL of your Temporal Web UI, for the links on the report and problems pages; unset: the embedded dev server's (http://127.0.0.1:<TEMPORAL_UI_PORT>).",
    schema: httpUrl.optional(),
  }),
  WORKER_MAX_CACHED_WORKFLOWS: setting({
    name: 'WORKER_MAX_CACHED_WORKFLOWS',
    description:
      'Workflows a worker keeps in memory between tasks (sticky cache); more saves history replays, fewer saves memory. 200 holds a worker under 500 MB with 10,000 order workflows open, at the same payments per second as an unbounded cache (npm run bench).',
    schema: z.coerce.number().int().min(0).max(100_000),
    default: '200',
  }),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: setting({
    name: 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
    description:
      "Workflow tasks a worker runs at once (task slots); the Temporal SDK's 40, kept as measured: against 10 and 4 (npm run bench -- --quick --only e2e, two rounds) none spent less CPU per payment beyond noise, and only 40 held 40 payments/s or more in both rounds. Fewer bound the memory of a burst of replays; more need cores.",
    schema: z.coerce.number().int().min(1).max(10_000),
    default: '40',
  }),
  WORKER_MAX_CONCURRENT_ACTIVITIES: setting({
    name: 'WORKER_MAX_CONCURRENT_ACTIVITIES',
    description:
      "Activities a worker runs at once (task slots; reconciliation pages, customer syncs, unmatched reviews); the Temporal SDK's 100. Each waits mostly on Stripe and Monstock, whose rate budgets bound the work, not this.",
    schema: z.coerce.number().int().min(1).max(10_000),
    default: '100',
  }),
  WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: setting({
    name: 'WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES',
    description:
      "Local activities a worker runs at once (the order path's alignment and sync); the Temporal SDK's 100, kept as measured: 25 and 10 (with 10 and 4 workflow task slots) spent no less CPU per payment and held no higher rate.",
    schema: z.coerce.number().int().min(1).max(10_000),
    default: '100',
  }),
  WORKER_METRICS_ADDRESS: setting({
    name: 'WORKER_METRICS_ADDRESS',
    description:
      "host:port where the worker serves the Temporal SDK's Prometheus metrics at /metrics (task slots, schedule-to-start latency, sticky cache). Unset: not served.",
    schema: z
      .string()
      .regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port')
      .optional(),
  }),
  TEMPORAL_CLI_PATH: setting({
    name: 'TEMPORAL_CLI_PATH',
    description:
      'Path to a `temporal` CLI binary for the embedded dev server; found on PATH or installed by `npm run tools` when unset.',
    schema: z.string().optional(),
  }),
  PAYLOAD_ENCRYPTION_KEYS: setting({
    name: 'PAYLOAD_ENCRYPTION_KEYS',
    description:
      'Keys that encrypt every payload the connector puts into Temporal (AES-256-GCM): <id>:<base64 of 32 bytes>, comma-separated; the first encrypts, all decrypt (rotation).',
    schema: z.string().transform((value, context) => {
      try {
        const keys = parseEncryptionKeys(value);
        if (keys.length === 0) throw new Error('at least one key is required');
        return keys;
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
    developmentValue: 'dev-2026:/IZZZdQGg+4dCQ8rtmpiPtILuLwTN/OVjX1HCe0Sstw=',
    secret: true,
  }),
  CODEC_CORS_ORIGINS: setting({
    name: 'CODEC_CORS_ORIGINS',
    description: 'Web UI origins allowed to call the codec endpoint from the browser (comma-separated).',
    schema: z.string().transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    ),
    default: 'http://127.0.0.1:8233,http://localhost:8233,http://localhost:8080',
  }),
  MONSTOCK_API_URL: setting({
    name: 'MONSTOCK_API_URL',
    description: 'Monstock API base URL, including /v1.',
    schema: httpUrl,
    default: 'http://127.0.0.1:4010/v1',
  }),
  MONSTOCK_API_TOKEN: setting({
    name: 'MONSTOCK_API_TOKEN',
    description: 'Bearer token for the Monstock API.',
    schema: z.string().min(8, 'at least 8 characters'),
    developmentValue: 'monstock-dev-token',
    secret: true,
  }),
  MONSTOCK_WEBHOOK_SECRET: setting({
    name: 'MONSTOCK_WEBHOOK_SECRET',
    description: 'Secret(s) Monstock signs webhooks with; comma-separated while rotating.',
    schema: secretList(),
    developmentValue: 'monstock-dev-webhook-secret',
    secret: true,
  }),
  MONSTOCK_REQUEST_TIMEOUT_MS: setting({
    name: 'MONSTOCK_REQUEST_TIMEOUT_MS',
    description: 'Timeout of one Monstock API request.',
    schema: positiveMs,
    default: '10000',
  }),
  MONSTOCK_POLL_INTERVAL: setting({
    name: 'MONSTOCK_POLL_INTERVAL',
    description:
      'How often the order feed reads Monstock for order changes whose webhook was lost; applies when the feed starts (a running feed keeps its own).',
    schema: z
      .string()
      .regex(/^\d+\s*(ms|milliseconds?|s|seconds?|m|minutes?|h|hours?)$/, 'a duration such as "2 minutes" or "30s"'),
    default: '2 minutes',
  }),
  CUSTOMER_SYNC_POLL_INTERVAL: setting({
    name: 'CUSTOMER_SYNC_POLL_INTERVAL',
    description:
      'How often customer sync reads both sides for changes whose webhook was lost; applies when it starts (a running one keeps its own).',
    schema: z
      .string()
      .regex(/^\d+\s*(ms|milliseconds?|s|seconds?|m|minutes?|h|hours?)$/, 'a duration such as "2 minutes" or "30s"'),
    default: '2 minutes',
  }),
  CUSTOMER_SYNC_CONCURRENCY: setting({
    name: 'CUSTOMER_SYNC_CONCURRENCY',
    description: 'How many customers customer sync brings into line at once (one writer per customer always).',
    schema: z.coerce.number().int().min(1).max(64),
    default: '8',
  }),
  STRIPE_SECRET_KEY: setting({
    name: 'STRIPE_SECRET_KEY',
    description: 'Stripe secret (sk_) or restricted (rk_) key.',
    schema: z
      .string()
      .regex(
        /^(sk|rk)_(test|live)_[A-Za-z0-9_]{8,}$/,
        'expected a Stripe secret key (sk_test_..., sk_live_..., rk_...)',
      ),
    developmentValue: 'sk_test_monstock_stripe_sandbox_key',
    secret: true,
  }),
  STRIPE_WEBHOOK_SECRET: setting({
    name: 'STRIPE_WEBHOOK_SECRET',
    description: 'Stripe webhook signing secret(s) (whsec_...); comma-separated while rotating.',
    schema: secretList('whsec_'),
    developmentValue: 'whsec_monstock_stripe_sandbox_secret',
    secret: true,
  }),
  STRIPE_CONNECT_WEBHOOK_SECRET: setting({
    name: 'STRIPE_CONNECT_WEBHOOK_SECRET',
    description:
      "Signing secret(s) (whsec_...) of the platform's Connect endpoint <url>/webhooks/stripe-connect, for connections that are Stripe Connect accounts; comma-separated while rotating. Unset: only a managed Connect endpoint's stored secret verifies it (none: every Connect event is refused).",
    schema: secretList('whsec_').optional(),
    secret: true,
  }),
  STRIPE_API_URL: setting({
    name: 'STRIPE_API_URL',
    description: 'Unset: Stripe itself. Set: that base URL instead (e.g. the Stripe sandbox).',
    schema: httpUrl.optional(),
  }),
  STRIPE_ORDER_MATCH_RULES: setting({
    name: 'STRIPE_ORDER_MATCH_RULES',
    description:
      'How a Stripe payment finds its Monstock order, tried in order: metadata:<key> or client_reference_id; each value may be an order id or reference.',
    schema: z.string().transform((value, context) => {
      try {
        return parseMatchRules(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
    default: DEFAULT_MATCH_RULES,
  }),
  STRIPE_IGNORE_METADATA: setting({
    name: 'STRIPE_IGNORE_METADATA',
    description:
      'Payments another integration owns, as <metadata key>=<value> pairs (comma-separated): acknowledged and left alone.',
    schema: z.string().transform((value, context) => {
      try {
        return parseIgnoreRules(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
    default: '',
  }),
  STRIPE_CREATE_PAYMENT_INTENTS: setting({
    name: 'STRIPE_CREATE_PAYMENT_INTENTS',
    description:
      'true: each Monstock order gets a Stripe payment intent for the amount due. false: the shop creates its own (Checkout, its site); matching still works.',
    schema: z.enum(['true', 'false']).transform((value) => value === 'true'),
    default: 'true',
  }),
  STRIPE_CAPTURE: setting({
    name: 'STRIPE_CAPTURE',
    description:
      'When an order is charged, for orders that do not say (paymentCapture): automatic (at payment) or on_shipment (authorised at payment, captured when the order is shipped).',
    schema: z.enum(['automatic', 'on_shipment']),
    default: 'automatic',
  }),
  AUTO_REFUND_CANCELLED_ORDERS: setting({
    name: 'AUTO_REFUND_CANCELLED_ORDERS',
    description:
      'true: an order cancelled after payment is refunded automatically. false: it is flagged for a person (search attribute CancelledAfterPayment).',
    schema: z.enum(['true', 'false']).transform((value) => value === 'true'),
    default: 'false',
  }),
  ORDER_IDLE_WINDOW: setting({
    name: 'ORDER_IDLE_WINDOW',
    description:
      'How long an order workflow stays open after its last event (refunds and disputes come late); a later event starts a new run.',
    schema: z
      .string()
      .regex(
        /^\d+\s*(ms|milliseconds?|s|seconds?|m|minutes?|h|hours?|d|days?)$/,
        'a duration such as "120 days" or "2h"',
      ),
    default: '120 days',
  }),
  STRIPE_RATE_LIMIT_PER_SECOND: setting({
    name: 'STRIPE_RATE_LIMIT_PER_SECOND',
    description:
      'Stripe API calls per second for the account, shared by every worker through the database (order path and reconciliation; Stripe allows 25/s in test mode, 100/s live).',
    schema: z.coerce.number().positive().max(1000),
    default: '25',
  }),
  RECONCILIATION_AT: setting({
    name: 'RECONCILIATION_AT',
    description: 'Time of day (HH:MM, in RECONCILIATION_TIME_ZONE) the nightly reconciliation schedule runs.',
    schema: z.string().regex(/^([01]?\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM'),
    default: '02:00',
  }),
  RECONCILIATION_TIME_ZONE: setting({
    name: 'RECONCILIATION_TIME_ZONE',
    description: 'IANA time zone of RECONCILIATION_AT.',
    schema: z.string().refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'an IANA time zone such as Europe/Paris'),
    default: 'Europe/Paris',
  }),
  RECONCILIATION_WINDOW_HOURS: setting({
    name: 'RECONCILIATION_WINDOW_HOURS',
    description:
      'Hours each nightly reconciliation compares, ending at its scheduled time (more than 24 so each night overlaps the last).',
    schema: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 90),
    default: '48',
  }),
  PORT: setting({
    name: 'PORT',
    description: 'Port of the webhook server (public: webhooks, /healthz, /readyz only).',
    schema: port,
    default: '3000',
  }),
  HOST: setting({
    name: 'HOST',
    description: 'Interface the webhook server listens on (0.0.0.0 in a container).',
    schema: z.string().min(1),
    default: '127.0.0.1',
  }),
  ADMIN_HOST: setting({
    name: 'ADMIN_HOST',
    description:
      'Interface of the admin listener (reports, problems, metrics, the codec endpoint): loopback by default, never the public one.',
    schema: z.string().min(1),
    default: '127.0.0.1',
  }),
  ADMIN_PORT: setting({
    name: 'ADMIN_PORT',
    description: 'Port of the admin listener.',
    schema: port,
    default: '3001',
  }),
  ADMIN_TOKEN: setting({
    name: 'ADMIN_TOKEN',
    description:
      'Bearer token of the admin listener, for scripts, Prometheus and people (at least 32 characters). People may use an OIDC access token instead (OIDC_ISSUER).',
    schema: z.string().min(32, 'at least 32 characters'),
    developmentValue: 'admin-development-token-not-for-production',
    secret: true,
  }),
  OIDC_ISSUER: setting({
    name: 'OIDC_ISSUER',
    description:
      'Set: the admin listener also accepts access tokens signed by this issuer (verified against its JWKS), such as the ones the Temporal Web UI forwards to the codec endpoint.',
    // Kept as written: tokens must carry exactly this `iss`, and some providers end it with a slash.
    schema: z.url({ protocol: /^https?$/ }).optional(),
  }),
  OIDC_AUDIENCE: setting({
    name: 'OIDC_AUDIENCE',
    description:
      'The audience (aud) an OIDC access token must carry to be accepted; unset: any audience of the issuer.',
    schema: z.string().min(1).optional(),
  }),
  PUBLIC_WEBHOOK_URL: setting({
    name: 'PUBLIC_WEBHOOK_URL',
    description:
      'Public base URL of the webhook server (e.g. https://connector.example.com). Set: `npm run setup` registers the Stripe webhook endpoint <url>/webhooks/stripe and keeps its secret, encrypted, in the database (DATABASE_URL). Unset: setup leaves Stripe alone.',
    schema: httpUrl.optional(),
  }),
  DATABASE_URL: setting({
    name: 'DATABASE_URL',
    description:
      'PostgreSQL connection URL (postgres://user:password@host:5432/database) of the database every replica shares: reconciliation reports, the managed Stripe webhook secret (encrypted with PAYLOAD_ENCRYPTION_KEYS), webhook health. Give the connector a database of its own. Required in production; `npm start` serves an embedded one (PGlite, files in DATA_DIR/db).',
    schema: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    secret: true,
  }),
  DATA_DIR: setting({
    name: 'DATA_DIR',
    description: 'Folder for local state of `npm start` (dev server database, embedded connector database, sandboxes).',
    schema: z.string().min(1),
    default: './data',
  }),
  LOG_LEVEL: setting({
    name: 'LOG_LEVEL',
    description: 'debug, info, warn or error.',
    schema: z.enum(['debug', 'info', 'warn', 'error']),
    default: 'info',
  }),
  MONSTOCK_SANDBOX_PORT: setting({
    name: 'MONSTOCK_SANDBOX_PORT',
    description: 'Port of the embedded Monstock sandbox (npm start).',
    schema: port,
    default: '4010',
  }),
  STRIPE_SANDBOX_PORT: setting({
    name: 'STRIPE_SANDBOX_PORT',
    description: 'Port of the embedded Stripe sandbox (npm start).',
    schema: port,
    default: '4020',
  }),
} as const;

export type SettingName = keyof typeof SETTINGS;
export type SettingValues = { [K in SettingName]: z.output<(typeof SETTINGS)[K]['schema']> };
