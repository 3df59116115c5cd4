import type { ApiResult, ApiRoute, Origin, SandboxContext } from './context';
import { ok } from './context';
import { requireCustomer } from './customers';
import { invalidRequest, resourceMissing, unexpectedState } from './errors';
import { isZeroDecimal } from './fees';
import { newId, randomBase62 } from './ids';
import { column, createdConditions, expandObject, LIST_PARAMS, listObjects, readPage } from './list';
import { releaseAuthorization } from './manualCapture';
import { applyMetadata, type Params } from './params';
import { confirmPaymentIntent } from './paymentConfirmation';
import { resolvePaymentMethod } from './paymentMethods';
import { SEARCH_PARAMS, searchObjects } from './search';
import type { Metadata, PaymentIntent } from './types';

/**
 * Payment intents: create (optionally confirming at once), retrieve, update, confirm, cancel,
 * list and search. Capturing an authorised (manual capture) intent lives in manualCapture.ts.
 */
export const SUPPORTED_METHOD_TYPES = ['card', 'sepa_debit'] as const;
const CANCELABLE = ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action'];
const UPDATABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const CANCELLATION_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'] as const;
/** Stripe's minimum charge amounts for the common currencies (minor units). */
const MINIMUM_AMOUNT: Record<string, number> = { eur: 50, usd: 50, gbp: 30, chf: 50, cad: 50, aud: 50 };

/**
 * Which payment method types an intent takes. The SDK's pinned API version speaks of
 * `allowed_payment_method_types` / `excluded_payment_method_types`; older versions (and
 * stripe-mock's spec) of `payment_method_types`. Both are understood.
 */
export interface MethodTypeChoice {
  allowed?: string[];
  excluded?: string[];
  legacy?: string[];
}

export interface NewPaymentIntent {
  amount: number;
  currency: string;
  customer?: string | null;
  description?: string | null;
  metadata?: Metadata;
  methodTypes?: MethodTypeChoice;
  receiptEmail?: string | null;
}

function readCurrency(params: Params, required: boolean): string | undefined {
  const currency = params.string('currency', { required, max: 3 })?.toLowerCase();
  if (currency !== undefined && !/^[a-z]{3}$/.test(currency))
    throw invalidRequest(`Invalid currency: ${currency}.`, 'currency', 'parameter_invalid_string');
  return currency;
}

function checkAmount(amount: number, currency: string): void {
  const minimum = MINIMUM_AMOUNT[currency] ?? 1;
  if (amount < minimum) {
    const shown = isZeroDecimal(currency) ? `${minimum}` : (minimum / 100).toFixed(2);
    throw invalidRequest(`Amount must be at least ${shown} ${currency}`, 'amount', 'amount_too_small');
  }
}

function readTypeList(params: Params, key: string, supportedOnly: boolean): string[] | undefined {
  const types = params.stringList(key, { max: 50 });
  if (!types) return undefined;
  if (types.length === 0) throw invalidRequest('Invalid array', key);
  for (const type of types) {
    const known = supportedOnly
      ? (SUPPORTED_METHOD_TYPES as readonly string[]).includes(type)
      : /^[a-z_]{2,40}$/.test(type);
    if (!known) {
      throw invalidRequest(
        `The payment method type "${type}" is invalid or not supported by this sandbox (it supports: ${SUPPORTED_METHOD_TYPES.join(', ')}).`,
        key,
      );
    }
  }
  return types;
}

export function readMethodTypes(params: Params): MethodTypeChoice | undefined {
  const legacy = readTypeList(params, 'payment_method_types', true);
  const allowed = readTypeList(params, 'allowed_payment_method_types', true);
  const excluded = readTypeList(params, 'excluded_payment_method_types', false);
  if (legacy && allowed)
    throw invalidRequest(
      'You may only specify one of these parameters: allowed_payment_method_types, payment_method_types.',
      'allowed_payment_method_types',
    );
  if (!legacy && !allowed && !excluded) return undefined;
  return { ...(legacy ? { legacy } : {}), ...(allowed ? { allowed } : {}), ...(excluded ? { excluded } : {}) };
}

/** The types that apply, as the intent's `payment_method_types` reports them. */
export function effectiveMethodTypes(choice: MethodTypeChoice | undefined): string[] {
  const base = choice?.legacy ?? choice?.allowed ?? [...SUPPORTED_METHOD_TYPES];
  const types = base.filter((type) => !(choice?.excluded ?? []).includes(type));
  if (types.length === 0)
    throw invalidRequest(
      'No payment method type is left once the excluded ones are removed.',
      'excluded_payment_method_types',
    );
  return types;
}

function applyMethodTypes(intent: PaymentIntent, choice: MethodTypeChoice): void {
  intent.payment_method_types = effectiveMethodTypes(choice);
  intent.allowed_payment_method_types = choice.allowed ?? null;
  intent.excluded_payment_method_types = choice.excluded ?? null;
  if (choice.legacy) intent.automatic_payment_methods = null;
}

function readCaptureMethod(params: Params): PaymentIntent['capture_method'] | undefined {
  return params.oneOf('capture_method', ['automatic', 'automatic_async', 'manual'] as const);
}

export function createPaymentIntent(
  ctx: SandboxContext,
  input: NewPaymentIntent,
  origin: Origin,
  extra: Partial<PaymentIntent> = {},
): PaymentIntent {
  checkAmount(input.amount, input.currency);
  if (input.customer) requireCustomer(ctx, input.customer);
  const id = newId('pi');
  const intent: PaymentIntent = {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: input.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: { enabled: true, allow_redirects: 'always' },
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic_async',
    client_secret: `${id}_secret_${randomBase62(25)}`,
    confirmation_method: 'automatic',
    created: ctx.clock.nowSeconds(),
    currency: input.currency,
    customer: input.customer ?? null,
    customer_account: null,
    description: input.description ?? null,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: input.metadata ?? {},
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: [...SUPPORTED_METHOD_TYPES],
    payment_record: null,
    processing: null,
    receipt_email: input.receiptEmail ?? null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
    ...extra,
  };
  if (input.methodTypes) applyMethodTypes(intent, input.methodTypes);
  ctx.store.insert(intent);
  ctx.events.emit('payment_intent.created', intent, origin);
  return intent;
}

function requireIntent(ctx: SandboxContext, id: string): PaymentIntent {
  const intent = ctx.store.find<PaymentIntent>('payment_intent', id);
  if (!intent) throw resourceMissing('payment_intent', id);
  return intent;
}

const CONFIRM_PARAMS = [
  'error_on_requires_action',
  'mandate_data',
  'off_session',
  'payment_method',
  'payment_method_options',
  'receipt_email',
  'return_url',
  'setup_future_usage',
  'use_stripe_sdk',
];

/** Parameters that only shape a real confirmation (3DS return, mandate): checked, then unused. */
function readConfirmExtras(params: Params): void {
  params.string('return_url', { max: 5000 });
  params.object('mandate_data', ['customer_acceptance']);
  params.object('payment_method_options', ['card', 'sepa_debit']);
  params.boolean('error_on_requires_action');
  params.boolean('use_stripe_sdk');
  const offSession = params.raw.off_session;
  if (offSession !== undefined && !['true', 'false', 'one_off', 'recurring'].includes(String(offSession)))
    throw invalidRequest(`Invalid off_session: ${String(offSession)}`, 'off_session');
}

function answerConfirmed(ctx: SandboxContext, params: Params, intent: PaymentIntent, declined: unknown): ApiResult {
  if (declined) return { status: 402, body: declined };
  return ok(expandObject(ctx.store, ctx.present(intent), params.expand(), ctx.present));
}

const SEARCH_FIELDS = {
  amount: 'number',
  currency: 'string',
  customer: 'string',
  status: 'string',
  created: 'number',
} as const;

export function paymentIntentRoutes(ctx: SandboxContext): ApiRoute[] {
  const answer = (intent: PaymentIntent, params: Params) =>
    ok(expandObject(ctx.store, ctx.present(intent), params.expand(), ctx.present));
  return [
    {
      method: 'POST',
      path: '/v1/payment_intents',
      handler: ({ params, origin }) => {
        params.allow([
          ...CONFIRM_PARAMS,
          'allowed_payment_method_types',
          'amount',
          'automatic_payment_methods',
          'capture_method',
          'confirm',
          'confirmation_method',
          'currency',
          'customer',
          'description',
          'excluded_payment_method_types',
          'metadata',
          'payment_method_types',
          'statement_descriptor',
          'statement_descriptor_suffix',
        ]);
        const amount = params.integer('amount', { required: true, min: 1, max: 99_999_999 }) as number;
        const currency = readCurrency(params, true) as string;
        const customer = params.string('customer', { max: 255 }) || null;
        const methodTypes = readMethodTypes(params);
        const automatic = params.object('automatic_payment_methods', ['enabled', 'allow_redirects']);
        const automaticEnabled = automatic?.boolean('enabled');
        automatic?.oneOf('allow_redirects', ['always', 'never'] as const);
        if (automaticEnabled && methodTypes?.legacy) {
          throw invalidRequest(
            'You may only specify one of these parameters: automatic_payment_methods, payment_method_types.',
            'automatic_payment_methods',
          );
        }
        const captureMethod = readCaptureMethod(params);
        const confirmationMethod = params.oneOf('confirmation_method', ['automatic', 'manual'] as const);
        const setupFutureUsage = params.oneOf('setup_future_usage', ['off_session', 'on_session'] as const);
        const confirm = params.boolean('confirm') ?? false;
        readConfirmExtras(params);
        if (!confirm) {
          for (const confirmOnly of ['return_url', 'mandate_data', 'off_session', 'error_on_requires_action']) {
            if (params.has(confirmOnly))
              throw invalidRequest(`You can only pass ${confirmOnly} when confirm=true.`, confirmOnly);
          }
        }
        const paymentMethodId = params.string('payment_method', { max: 255 }) || undefined;
        const extra: Partial<PaymentIntent> = {
          capture_method: captureMethod ?? 'automatic_async',
          confirmation_method: confirmationMethod ?? 'automatic',
          setup_future_usage: setupFutureUsage ?? null,
          statement_descriptor: params.string('statement_descriptor', { max: 22 }) ?? null,
          statement_descriptor_suffix: params.string('statement_descriptor_suffix', { max: 22 }) ?? null,
        };
        if (paymentMethodId) {
          extra.payment_method = resolvePaymentMethod(ctx, paymentMethodId, null).paymentMethod.id;
          extra.status = 'requires_confirmation';
        }
        if (automaticEnabled === false) extra.automatic_payment_methods = { enabled: false };
        const intent = createPaymentIntent(
          ctx,
          {
            amount,
            currency,
            customer,
            description: params.string('description', { max: 1000 }) ?? null,
            metadata: applyMetadata({}, params.metadata()),
            ...(methodTypes ? { methodTypes } : {}),
            receiptEmail: params.string('receipt_email', { max: 800 }) ?? null,
          },
          origin,
          extra,
        );
        if (!confirm) return answer(intent, params);
        const outcome = confirmPaymentIntent(ctx, intent, undefined, origin);
        return answerConfirmed(ctx, params, outcome.intent, outcome.declined);
      },
    },
    {
      method: 'GET',
      path: '/v1/payment_intents/search',
      handler: ({ params }) => {
        params.allow(SEARCH_PARAMS);
        return ok(
          searchObjects(ctx.store, {
            type: 'payment_intent',
            url: '/v1/payment_intents/search',
            params,
            fields: SEARCH_FIELDS,
            present: ctx.present,
          }),
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/payment_intents',
      handler: ({ params }) => {
        params.allow([...LIST_PARAMS, 'created', 'customer']);
        const customer = params.string('customer', { max: 255 });
        return ok(
          listObjects(ctx.store, {
            type: 'payment_intent',
            url: '/v1/payment_intents',
            page: readPage(params),
            conditions: [...(customer ? [column('customer', customer)] : []), ...createdConditions(params.created())],
            expand: params.expand(),
            present: ctx.present,
          }),
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/payment_intents/:id',
      handler: ({ params, path }) => {
        params.allow(['client_secret']);
        return answer(requireIntent(ctx, path.id as string), params);
      },
    },
    {
      method: 'POST',
      path: '/v1/payment_intents/:id',
      handler: ({ params, path }) => {
        params.allow([
          'allowed_payment_method_types',
          'amount',
          'capture_method',
          'currency',
          'customer',
          'description',
          'excluded_payment_method_types',
          'metadata',
          'payment_method',
          'payment_method_types',
          'receipt_email',
          'setup_future_usage',
          'statement_descriptor',
          'statement_descriptor_suffix',
        ]);
        const current = requireIntent(ctx, path.id as string);
        const next: PaymentIntent = { ...current, metadata: applyMetadata(current.metadata, params.metadata()) };
        const description = params.nullableString('description', { max: 1000 });
        if (description !== undefined) next.description = description;
        const receiptEmail = params.nullableString('receipt_email', { max: 800 });
        if (receiptEmail !== undefined) next.receipt_email = receiptEmail;
        // Everything else changes what would be charged, so only before the payment happened.
        const guarded = [
          'allowed_payment_method_types',
          'amount',
          'capture_method',
          'currency',
          'customer',
          'excluded_payment_method_types',
          'payment_method',
          'payment_method_types',
          'setup_future_usage',
          'statement_descriptor',
          'statement_descriptor_suffix',
        ];
        const touched = guarded.filter((key) => params.has(key));
        if (touched.length > 0 && !UPDATABLE.includes(current.status)) {
          throw unexpectedState(
            `This PaymentIntent's ${touched[0]} could not be updated because it has a status of ${current.status}. You may only update the ${touched[0]} of a PaymentIntent with one of the following statuses: ${UPDATABLE.join(', ')}.`,
          );
        }
        const currency = readCurrency(params, false);
        if (currency) next.currency = currency;
        const amount = params.integer('amount', { min: 1, max: 99_999_999 });
        if (amount !== undefined) next.amount = amount;
        if (amount !== undefined || currency) checkAmount(next.amount, next.currency);
        const customer = params.nullableString('customer', { max: 255 });
        if (customer !== undefined) next.customer = customer === null ? null : requireCustomer(ctx, customer).id;
        const methodTypes = readMethodTypes(params);
        if (methodTypes) applyMethodTypes(next, methodTypes);
        const captureMethod = readCaptureMethod(params);
        if (captureMethod) next.capture_method = captureMethod;
        const setupFutureUsage =
          params.raw.setup_future_usage === ''
            ? null
            : params.oneOf('setup_future_usage', ['off_session', 'on_session'] as const);
        if (setupFutureUsage !== undefined) next.setup_future_usage = setupFutureUsage;
        for (const key of ['statement_descriptor', 'statement_descriptor_suffix'] as const) {
          const value = params.nullableString(key, { max: 22 });
          if (value !== undefined) next[key] = value;
        }
        const paymentMethodId = params.nullableString('payment_method', { max: 255 });
        if (paymentMethodId !== undefined) {
          next.payment_method =
            paymentMethodId === null ? null : resolvePaymentMethod(ctx, paymentMethodId, null).paymentMethod.id;
          next.status = next.payment_method ? 'requires_confirmation' : 'requires_payment_method';
        }
        // Stripe has no payment_intent.updated event: an update is silent.
        ctx.store.save(next);
        return answer(next, params);
      },
    },
    {
      method: 'POST',
      path: '/v1/payment_intents/:id/confirm',
      handler: ({ params, path, origin }) => {
        params.allow([
          ...CONFIRM_PARAMS,
          'allowed_payment_method_types',
          'capture_method',
          'excluded_payment_method_types',
          'payment_method_types',
        ]);
        readConfirmExtras(params);
        let intent = requireIntent(ctx, path.id as string);
        const methodTypes = readMethodTypes(params);
        const captureMethod = readCaptureMethod(params);
        if (methodTypes || captureMethod) {
          intent = { ...intent, ...(captureMethod ? { capture_method: captureMethod } : {}) };
          if (methodTypes) applyMethodTypes(intent, methodTypes);
        }
        const receiptEmail = params.nullableString('receipt_email', { max: 800 });
        const setupFutureUsage = params.oneOf('setup_future_usage', ['off_session', 'on_session'] as const);
        if (receiptEmail !== undefined || setupFutureUsage !== undefined) {
          intent = {
            ...intent,
            ...(receiptEmail !== undefined ? { receipt_email: receiptEmail } : {}),
            ...(setupFutureUsage ? { setup_future_usage: setupFutureUsage } : {}),
          };
        }
        const outcome = confirmPaymentIntent(
          ctx,
          intent,
          params.string('payment_method', { max: 255 }) || undefined,
          origin,
        );
        return answerConfirmed(ctx, params, outcome.intent, outcome.declined);
      },
    },
    {
      method: 'POST',
      path: '/v1/payment_intents/:id/cancel',
      handler: ({ params, path, origin }) => {
        params.allow(['cancellation_reason']);
        const current = requireIntent(ctx, path.id as string);
        if (!CANCELABLE.includes(current.status)) {
          throw unexpectedState(
            `You cannot cancel this PaymentIntent because it has a status of ${current.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`,
          );
        }
        const reason = params.oneOf('cancellation_reason', CANCELLATION_REASONS) ?? null;
        // An authorised payment holds money on the card: canceling releases it.
        if (current.status === 'requires_capture')
          return answer(releaseAuthorization(ctx, current, reason, origin), params);
        const canceled: PaymentIntent = {
          ...current,
          status: 'canceled',
          canceled_at: ctx.clock.nowSeconds(),
          cancellation_reason: reason,
        };
        ctx.store.save(canceled);
        ctx.events.emit('payment_intent.canceled', canceled, origin);
        return answer(canceled, params);
      },
    },
  ];
}
