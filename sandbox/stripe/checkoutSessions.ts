import { z } from 'zod';
import type { AdminRoute, ApiRoute, Origin, SandboxContext } from './context';
import { ok, SYSTEM_ORIGIN } from './context';
import { createCustomer, requireCustomer } from './customers';
import { invalidRequest, resourceMissing } from './errors';
import { newId } from './ids';
import { column, createdConditions, expandObject, field, LIST_PARAMS, listObjects, readPage } from './list';
import { applyMetadata, type Params } from './params';
import { confirmPaymentIntent } from './paymentConfirmation';
import { createPaymentIntent, effectiveMethodTypes, readMethodTypes } from './paymentIntents';
import type { CheckoutLineItem, CheckoutSession, Customer, Metadata, PaymentIntent, StripeEvent } from './types';

/**
 * Checkout Sessions in `payment` mode with inline `price_data`. Nobody fills in a hosted page
 * here: `POST /_sandbox/checkout/sessions/:id/complete` plays the buyer, paying with a test
 * payment method, after which the session is complete and the usual payment events follow.
 */
interface SessionInternal {
  lineItems: CheckoutLineItem[];
  paymentIntentData: { metadata: Metadata; description: string | null; receiptEmail: string | null };
  /** The intent made by a first (declined) attempt, reused by the next, as Stripe does. */
  attemptIntent?: string;
}

const DAY = 24 * 60 * 60;

function readLineItems(ctx: SandboxContext, params: Params): CheckoutLineItem[] {
  const items = params.objectList(
    'line_items',
    ['price', 'price_data', 'quantity', 'adjustable_quantity', 'tax_rates'],
    { required: true, max: 100 },
  ) as Params[];
  if (items.length === 0)
    throw invalidRequest('Missing required param: line_items.', 'line_items', 'parameter_missing');
  const created = ctx.clock.nowSeconds();
  return items.map((item) => {
    const price = item.string('price', { max: 255 });
    if (price)
      throw invalidRequest(
        `No such price: '${price}'; this sandbox supports inline price_data only.`,
        item.path('price'),
        'resource_missing',
      );
    const priceData = item.object(
      'price_data',
      ['currency', 'product_data', 'unit_amount', 'unit_amount_decimal', 'tax_behavior', 'product'],
      { required: true },
    ) as Params;
    const currency = (priceData.string('currency', { required: true, max: 3 }) as string).toLowerCase();
    if (!/^[a-z]{3}$/.test(currency))
      throw invalidRequest(`Invalid currency: ${currency}.`, priceData.path('currency'));
    const unitAmount = priceData.integer('unit_amount', { required: true, min: 0, max: 99_999_999 }) as number;
    const product = priceData.object('product_data', ['name', 'description', 'images', 'metadata', 'tax_code'], {
      required: true,
    }) as Params;
    const name = product.string('name', { required: true, max: 250 }) as string;
    const quantity = item.integer('quantity', { required: true, min: 1, max: 999_999 }) as number;
    return {
      id: newId('li'),
      object: 'item',
      amount_discount: 0,
      amount_subtotal: unitAmount * quantity,
      amount_tax: 0,
      amount_total: unitAmount * quantity,
      currency,
      description: name,
      price: {
        id: `price_${newId('li').slice(3)}`,
        object: 'price',
        active: false,
        currency,
        product: `prod_${newId('li').slice(3, 17)}`,
        type: 'one_time',
        unit_amount: unitAmount,
        livemode: false,
        created,
        metadata: {},
      },
      quantity,
    };
  });
}

function requireSession(ctx: SandboxContext, id: string): CheckoutSession {
  const session = ctx.store.find<CheckoutSession>('checkout.session', id);
  if (!session) throw resourceMissing('checkout.session', id);
  return session;
}

/** The buyer's customer: the session's, else one found or made for `customer_email`. */
function buyer(ctx: SandboxContext, session: CheckoutSession, origin: Origin): Customer | undefined {
  if (session.customer) return requireCustomer(ctx, session.customer);
  if (!session.customer_email) return undefined;
  const existing = ctx.store
    .all<Customer>('customer')
    .find((customer) => customer.email?.toLowerCase() === session.customer_email?.toLowerCase());
  return existing ?? createCustomer(ctx, { email: session.customer_email }, origin);
}

export interface CompletionResult {
  status: number;
  body: unknown;
}

export function completeSession(
  ctx: SandboxContext,
  id: string,
  paymentMethod: string,
  origin: Origin = SYSTEM_ORIGIN,
): CompletionResult {
  const session = requireSession(ctx, id);
  if (session.status !== 'open')
    throw invalidRequest(
      `This Checkout Session is ${session.status} and can no longer be completed.`,
      'id',
      'checkout_session_unexpected_state',
    );
  const internal = ctx.store.internal<SessionInternal>(id);
  if (!internal) throw new Error(`checkout session ${id} has no line items`);
  const customer = buyer(ctx, session, origin);
  let intent: PaymentIntent | undefined = internal.attemptIntent
    ? ctx.store.find<PaymentIntent>('payment_intent', internal.attemptIntent)
    : undefined;
  if (!intent) {
    intent = createPaymentIntent(
      ctx,
      {
        amount: session.amount_total,
        currency: session.currency,
        customer: customer?.id ?? null,
        description: internal.paymentIntentData.description,
        metadata: internal.paymentIntentData.metadata,
        methodTypes: { allowed: session.payment_method_types },
        receiptEmail: internal.paymentIntentData.receiptEmail ?? session.customer_email,
      },
      origin,
    );
    ctx.store.save(session, { ...internal, attemptIntent: intent.id });
  }
  const outcome = confirmPaymentIntent(ctx, intent, paymentMethod, origin);
  if (outcome.declined) return { status: 402, body: outcome.declined };
  const completed: CheckoutSession = {
    ...session,
    status: 'complete',
    payment_status: outcome.intent.status === 'succeeded' ? 'paid' : 'unpaid',
    payment_intent: outcome.intent.id,
    customer: customer?.id ?? null,
    customer_details: {
      address: null,
      business_name: null,
      email: customer?.email ?? session.customer_email,
      individual_name: null,
      name: customer?.name ?? null,
      phone: null,
      tax_exempt: 'none',
      tax_ids: [],
    },
    url: null,
  };
  ctx.store.save(completed);
  ctx.events.emit('checkout.session.completed', completed, origin);
  return { status: 200, body: ctx.present(completed) };
}

/** A bank debit paid through Checkout settles later: the session follows with async events. */
export function followAsyncPayments(ctx: SandboxContext): (event: StripeEvent) => void {
  return (event) => {
    if (event.type !== 'payment_intent.succeeded' && event.type !== 'payment_intent.payment_failed') return;
    const session = ctx.store.all<CheckoutSession>('checkout.session', {
      column: 'payment_intent',
      value: event.data.object.id,
    })[0];
    if (!session || session.status !== 'complete' || session.payment_status !== 'unpaid') return;
    const succeeded = event.type === 'payment_intent.succeeded';
    const next: CheckoutSession = { ...session, payment_status: succeeded ? 'paid' : 'unpaid' };
    ctx.store.save(next);
    ctx.events.emit(
      succeeded ? 'checkout.session.async_payment_succeeded' : 'checkout.session.async_payment_failed',
      next,
      { requestId: event.request.id, idempotencyKey: event.request.idempotency_key },
    );
  };
}

const completeBody = z.object({ payment_method: z.string().min(1).max(255).optional() }).strict();

export function checkoutAdminRoutes(ctx: SandboxContext): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: '/_sandbox/checkout/sessions/:id/complete',
      handler: ({ path, body }) => {
        const parsed = completeBody.safeParse(body);
        if (!parsed.success) throw invalidRequest(z.prettifyError(parsed.error));
        return completeSession(ctx, path.id as string, parsed.data.payment_method ?? 'pm_card_visa');
      },
    },
    {
      method: 'GET',
      path: '/_sandbox/checkout/sessions/:id',
      handler: ({ path }) => ok(ctx.present(requireSession(ctx, path.id as string))),
    },
  ];
}

export function checkoutSessionRoutes(ctx: SandboxContext): ApiRoute[] {
  const answer = (session: CheckoutSession, params: Params) =>
    ok(expandObject(ctx.store, ctx.present(session), params.expand(), ctx.present));
  return [
    {
      method: 'POST',
      path: '/v1/checkout/sessions',
      handler: ({ params }) => {
        params.allow([
          'allowed_payment_method_types',
          'cancel_url',
          'client_reference_id',
          'customer',
          'customer_creation',
          'customer_email',
          'excluded_payment_method_types',
          'expires_at',
          'line_items',
          'locale',
          'metadata',
          'mode',
          'payment_intent_data',
          'payment_method_types',
          'submit_type',
          'success_url',
          'ui_mode',
        ]);
        const mode = params.oneOf('mode', ['payment', 'setup', 'subscription'] as const) ?? 'payment';
        if (mode !== 'payment')
          throw invalidRequest(`mode=${String(mode)} is not supported by this sandbox; use mode=payment.`, 'mode');
        const lineItems = readLineItems(ctx, params);
        const currencies = new Set(lineItems.map((item) => item.currency));
        if (currencies.size > 1) throw invalidRequest('All line items must share one currency.', 'line_items');
        const customer = params.string('customer', { max: 255 }) || null;
        const customerEmail = params.string('customer_email', { max: 800 }) || null;
        if (customer && customerEmail)
          throw invalidRequest(
            'You may only specify one of these parameters: customer, customer_email.',
            'customer_email',
          );
        if (customer) requireCustomer(ctx, customer);
        const methodTypes = readMethodTypes(params);
        const now = ctx.clock.nowSeconds();
        const expiresAt = params.integer('expires_at', { min: now + 30 * 60, max: now + DAY }) ?? now + DAY;
        const intentData = params.object('payment_intent_data', [
          'capture_method',
          'description',
          'metadata',
          'receipt_email',
          'setup_future_usage',
          'statement_descriptor',
          'statement_descriptor_suffix',
        ]);
        if (intentData?.oneOf('capture_method', ['automatic', 'automatic_async', 'manual'] as const) === 'manual') {
          throw invalidRequest(
            'capture_method=manual is not supported by this sandbox; use automatic capture.',
            'payment_intent_data[capture_method]',
          );
        }
        intentData?.oneOf('setup_future_usage', ['off_session', 'on_session'] as const);
        intentData?.string('statement_descriptor', { max: 22 });
        intentData?.string('statement_descriptor_suffix', { max: 22 });
        const uiMode =
          params.oneOf('ui_mode', [
            'elements',
            'embedded_page',
            'form',
            'hosted_page',
            'hosted',
            'embedded',
          ] as const) ?? 'hosted_page';
        const submitType = params.oneOf('submit_type', ['auto', 'book', 'donate', 'pay', 'subscribe'] as const) ?? null;
        const id = newId('cs_test');
        const amount = lineItems.reduce((sum, item) => sum + item.amount_total, 0);
        const session: CheckoutSession = {
          id,
          object: 'checkout.session',
          adaptive_pricing: null,
          after_expiration: null,
          allow_promotion_codes: null,
          allowed_payment_method_types: methodTypes?.allowed ?? null,
          amount_subtotal: amount,
          amount_total: amount,
          automatic_tax: { enabled: false, liability: null, provider: null, status: null },
          billing_address_collection: null,
          cancel_url: params.string('cancel_url', { max: 5000 }) ?? null,
          client_reference_id: params.string('client_reference_id', { max: 200 }) || null,
          client_secret: null,
          collected_information: null,
          consent: null,
          consent_collection: null,
          created: now,
          currency: lineItems[0]?.currency as string,
          currency_conversion: null,
          custom_fields: [],
          custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
          customer,
          customer_account: null,
          customer_creation:
            params.oneOf('customer_creation', ['if_required', 'always'] as const) ?? (customer ? null : 'if_required'),
          customer_details: null,
          customer_email: customerEmail,
          discounts: [],
          expires_at: expiresAt,
          integration_identifier: null,
          invoice: null,
          invoice_creation: null,
          livemode: false,
          locale: params.string('locale', { max: 10 }) ?? null,
          managed_payments: null,
          metadata: applyMetadata({}, params.metadata()),
          mode: 'payment',
          origin_context: null,
          payment_intent: null,
          payment_link: null,
          payment_method_collection: 'if_required',
          payment_method_configuration_details: null,
          payment_method_options: {},
          payment_method_types: effectiveMethodTypes(methodTypes),
          payment_status: 'unpaid',
          permissions: null,
          recovered_from: null,
          saved_payment_method_options: null,
          setup_intent: null,
          shipping_address_collection: null,
          shipping_cost: null,
          shipping_options: [],
          status: 'open',
          submit_type: submitType,
          subscription: null,
          success_url: params.string('success_url', { max: 5000 }) ?? null,
          total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
          ui_mode: uiMode,
          url: `${ctx.publicUrl()}/_sandbox/checkout/sessions/${id}`,
          wallet_options: null,
        };
        const internal: SessionInternal = {
          lineItems,
          paymentIntentData: {
            metadata: applyMetadata({}, intentData?.metadata()),
            description: intentData?.string('description', { max: 1000 }) ?? null,
            receiptEmail: intentData?.string('receipt_email', { max: 800 }) ?? null,
          },
        };
        ctx.store.insert(session, internal);
        return answer(session, params);
      },
    },
    {
      method: 'GET',
      path: '/v1/checkout/sessions',
      handler: ({ params }) => {
        params.allow([...LIST_PARAMS, 'created', 'customer', 'payment_intent', 'status']);
        const customer = params.string('customer', { max: 255 });
        const paymentIntent = params.string('payment_intent', { max: 255 });
        const status = params.oneOf('status', ['open', 'complete', 'expired'] as const);
        return ok(
          listObjects(ctx.store, {
            type: 'checkout.session',
            url: '/v1/checkout/sessions',
            page: readPage(params),
            conditions: [
              ...(customer ? [column('customer', customer)] : []),
              ...(paymentIntent ? [column('payment_intent', paymentIntent)] : []),
              ...(status ? [field('status', status)] : []),
              ...createdConditions(params.created()),
            ],
            expand: params.expand(),
            present: ctx.present,
          }),
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/checkout/sessions/:id',
      handler: ({ params, path }) => {
        params.allow([]);
        const session = requireSession(ctx, path.id as string);
        const expand = params.expand();
        // line_items is not stored on the session; Stripe lets it be expanded all the same.
        const body = expandObject(
          ctx.store,
          ctx.present(session),
          expand.filter((path) => path !== 'line_items'),
          ctx.present,
        );
        if (expand.includes('line_items')) {
          const items = ctx.store.internal<SessionInternal>(session.id)?.lineItems ?? [];
          body.line_items = {
            object: 'list',
            data: items,
            has_more: false,
            url: `/v1/checkout/sessions/${session.id}/line_items`,
          };
        }
        return ok(body);
      },
    },
    {
      method: 'GET',
      path: '/v1/checkout/sessions/:id/line_items',
      handler: ({ params, path }) => {
        params.allow([...LIST_PARAMS]);
        const session = requireSession(ctx, path.id as string);
        const page = readPage(params);
        const items = ctx.store.internal<SessionInternal>(session.id)?.lineItems ?? [];
        let start = 0;
        if (page.startingAfter) start = items.findIndex((item) => item.id === page.startingAfter) + 1;
        const data = items.slice(start, start + page.limit);
        return ok({
          object: 'list',
          data,
          has_more: start + page.limit < items.length,
          url: `/v1/checkout/sessions/${session.id}/line_items`,
        });
      },
    },
    {
      method: 'POST',
      path: '/v1/checkout/sessions/:id/expire',
      handler: ({ params, path, origin }) => {
        params.allow([]);
        const session = requireSession(ctx, path.id as string);
        if (session.status !== 'open')
          throw invalidRequest(
            `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`,
            'session',
            'checkout_session_unexpected_state',
          );
        const expired: CheckoutSession = { ...session, status: 'expired', url: null };
        ctx.store.save(expired);
        ctx.events.emit('checkout.session.expired', expired, origin);
        return answer(expired, params);
      },
    },
  ];
}
