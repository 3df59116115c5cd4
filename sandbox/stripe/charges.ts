import { recordBalanceTransaction } from './balanceTransactions';
import type { ApiRoute, Origin, SandboxContext } from './context';
import { ok } from './context';
import { resourceMissing } from './errors';
import { previousAttributes } from './eventBus';
import { processingFee } from './fees';
import { newId, randomBase62 } from './ids';
import { column, createdConditions, expandObject, LIST_PARAMS, listObjects, readPage } from './list';
import { applyMetadata } from './params';
import { SEARCH_PARAMS, searchObjects } from './search';
import type { Charge, ChargeOutcome, PaymentIntent, PaymentMethod } from './types';

/**
 * Charges exist only as the result of confirming a payment intent (the legacy `POST /v1/charges`
 * is out of scope); here they are read, listed, searched and given metadata.
 */
const NO_ADDRESS = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };

/** An outcome with the network's optional advice left empty, as for most test cards. */
export function outcome(
  fields: Pick<ChargeOutcome, 'network_status' | 'reason' | 'risk_level' | 'risk_score' | 'seller_message' | 'type'>,
): ChargeOutcome {
  return { advice_code: null, network_advice_code: null, network_decline_code: null, ...fields };
}

export const APPROVED: ChargeOutcome = {
  advice_code: null,
  network_advice_code: null,
  network_decline_code: null,
  network_status: 'approved_by_network',
  reason: null,
  risk_level: 'normal',
  risk_score: 32,
  seller_message: 'Payment complete.',
  type: 'authorized',
};

export interface NewCharge {
  intent: PaymentIntent;
  paymentMethod: PaymentMethod;
  status: Charge['status'];
  outcome: ChargeOutcome;
  failure?: { code: string; message: string };
  /** Manual capture: the card is only authorised, and the hold lapses at this time (unix seconds). */
  captureBefore?: number;
}

/** What a charge records about the method; authorization data only when the bank approved. */
function methodDetails(
  paymentMethod: PaymentMethod,
  approved: boolean,
  amount: number,
): Charge['payment_method_details'] {
  if (paymentMethod.type === 'sepa_debit' && paymentMethod.sepa_debit) {
    const { generated_from: _generated, ...details } = paymentMethod.sepa_debit;
    return { type: 'sepa_debit', sepa_debit: { ...details, mandate: null } };
  }
  const card = paymentMethod.card;
  if (!card) throw new Error(`payment method ${paymentMethod.id} has no details`);
  return {
    type: 'card',
    card: {
      amount_authorized: approved ? amount : null,
      authorization_code: approved ? randomBase62(6).toUpperCase() : null,
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: card.country,
      electronic_commerce_indicator: null,
      exp_month: card.exp_month,
      exp_year: card.exp_year,
      fingerprint: card.fingerprint,
      funding: card.funding,
      installments: null,
      last4: card.last4,
      mandate: null,
      network: card.brand,
      network_transaction_id: approved ? randomBase62(15) : null,
      regulated_status: 'unregulated',
      three_d_secure: null,
      transaction_link_id: null,
      wallet: null,
    },
  };
}

export function createCharge(ctx: SandboxContext, input: NewCharge): Charge {
  const succeeded = input.status === 'succeeded';
  const authorizedOnly = input.captureBefore !== undefined;
  const details = methodDetails(input.paymentMethod, input.status !== 'failed', input.intent.amount);
  if (authorizedOnly && details.type === 'card') details.card.capture_before = input.captureBefore as number;
  const charge: Charge = {
    id: newId('ch'),
    object: 'charge',
    amount: input.intent.amount,
    amount_captured: input.status === 'failed' || authorizedOnly ? 0 : input.intent.amount,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: { ...input.paymentMethod.billing_details, address: NO_ADDRESS },
    calculated_statement_descriptor: 'SANDBOX',
    captured: input.status !== 'failed' && !authorizedOnly,
    created: ctx.clock.nowSeconds(),
    currency: input.intent.currency,
    customer: input.intent.customer,
    description: input.intent.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: input.failure?.code ?? null,
    failure_message: input.failure?.message ?? null,
    fraud_details: {},
    livemode: false,
    // Stripe copies the intent's metadata onto the charge it makes.
    metadata: { ...input.intent.metadata },
    on_behalf_of: null,
    outcome: input.outcome,
    paid: succeeded,
    payment_intent: input.intent.id,
    payment_method: input.paymentMethod.id,
    payment_method_details: details,
    receipt_email: input.intent.receipt_email,
    receipt_number: null,
    receipt_url: `https://pay.stripe.com/receipts/payment/${randomBase62(40)}`,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: input.intent.statement_descriptor,
    statement_descriptor_suffix: input.intent.statement_descriptor_suffix,
    status: input.status,
    transfer_data: null,
    transfer_group: null,
  };
  // An authorisation moves no money yet: the balance is credited when it is captured.
  if (succeeded && !authorizedOnly) charge.balance_transaction = bookCharge(ctx, charge).id;
  ctx.store.insert(charge);
  return charge;
}

/**
 * The charge's credit to the balance, net of Stripe's processing fee (see fees.ts); `amount` is
 * what was captured when that is less than the charge (a partial capture).
 */
export function bookCharge(ctx: SandboxContext, charge: Charge, amount = charge.amount) {
  const { fee, fee_details } = processingFee(amount, charge.currency, charge.payment_method_details.type);
  return recordBalanceTransaction(ctx, {
    amount,
    currency: charge.currency,
    type: 'charge',
    reportingCategory: 'charge',
    source: charge.id,
    description: charge.description,
    fee,
    feeDetails: fee_details,
  });
}

export function requireCharge(ctx: SandboxContext, id: string, param = 'charge'): Charge {
  const charge = ctx.store.find<Charge>('charge', id);
  if (!charge) throw resourceMissing('charge', id, param);
  return charge;
}

/** Saves a changed charge and tells the world with `charge.updated`, if anything changed. */
export function updateCharge(ctx: SandboxContext, current: Charge, next: Charge, origin: Origin): Charge {
  const previous = previousAttributes(current, next);
  if (Object.keys(previous).length === 0) return current;
  ctx.store.save(next);
  ctx.events.emit('charge.updated', next, origin, previous);
  return next;
}

const SEARCH_FIELDS = {
  amount: 'number',
  currency: 'string',
  customer: 'string',
  payment_intent: 'string',
  status: 'string',
  created: 'number',
} as const;

export function chargeRoutes(ctx: SandboxContext): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/v1/charges/search',
      handler: ({ params }) => {
        params.allow(SEARCH_PARAMS);
        return ok(
          searchObjects(ctx.store, {
            type: 'charge',
            url: '/v1/charges/search',
            params,
            fields: SEARCH_FIELDS,
            present: ctx.present,
          }),
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/charges',
      handler: ({ params }) => {
        params.allow([...LIST_PARAMS, 'created', 'customer', 'payment_intent', 'transfer_group']);
        const customer = params.string('customer', { max: 255 });
        const paymentIntent = params.string('payment_intent', { max: 255 });
        return ok(
          listObjects(ctx.store, {
            type: 'charge',
            url: '/v1/charges',
            page: readPage(params),
            conditions: [
              ...(customer ? [column('customer', customer)] : []),
              ...(paymentIntent ? [column('payment_intent', paymentIntent)] : []),
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
      path: '/v1/charges/:id',
      handler: ({ params, path }) => {
        params.allow([]);
        const charge = ctx.store.find<Charge>('charge', path.id as string);
        if (!charge) throw resourceMissing('charge', path.id as string);
        return ok(expandObject(ctx.store, ctx.present(charge), params.expand(), ctx.present));
      },
    },
    {
      method: 'POST',
      path: '/v1/charges/:id',
      handler: ({ params, path, origin }) => {
        params.allow(['description', 'metadata', 'receipt_email']);
        const current = ctx.store.find<Charge>('charge', path.id as string);
        if (!current) throw resourceMissing('charge', path.id as string);
        const next: Charge = { ...current, metadata: applyMetadata(current.metadata, params.metadata()) };
        const description = params.nullableString('description', { max: 1000 });
        if (description !== undefined) next.description = description;
        const receiptEmail = params.nullableString('receipt_email', { max: 800 });
        if (receiptEmail !== undefined) next.receipt_email = receiptEmail;
        const saved = updateCharge(ctx, current, next, origin);
        return ok(expandObject(ctx.store, ctx.present(saved), params.expand(), ctx.present));
      },
    },
  ];
}
