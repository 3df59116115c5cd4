import { z } from 'zod';
import { recordBalanceTransaction } from './balanceTransactions';
import { requireCharge } from './charges';
import type { AdminRoute, ApiRoute, Origin, SandboxContext } from './context';
import { ok, SYSTEM_ORIGIN } from './context';
import { invalidRequest, resourceMissing } from './errors';
import { previousAttributes } from './eventBus';
import { isZeroDecimal } from './fees';
import { newId } from './ids';
import { column, createdConditions, expandObject, LIST_PARAMS, listObjects, readPage } from './list';
import { applyMetadata } from './params';
import type { Charge, Dispute, PaymentIntent, Refund } from './types';

/**
 * Refunds against a succeeded charge (named directly or through its payment intent). Card
 * refunds succeed at once; SEPA refunds stay `pending` until `sepaSettleMs` has passed. The
 * balance is debited when the refund is made and credited back if it fails.
 */
export const SETTLE_REFUND_JOB = 'refund.settle';
const REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;

function money(amount: number, currency: string): string {
  const value = isZeroDecimal(currency) ? String(amount) : (amount / 100).toFixed(2);
  return `${value} ${currency.toUpperCase()}`;
}

/**
 * What is still refundable: what was captured (less than the charge after a partial capture)
 * minus refunds that are not failed or canceled.
 */
function refundable(ctx: SandboxContext, charge: Charge): number {
  const live = ctx.store
    .all<Refund>('refund', { column: 'charge', value: charge.id })
    .filter((refund) => refund.status !== 'failed' && refund.status !== 'canceled');
  return charge.amount_captured - live.reduce((sum, refund) => sum + refund.amount, 0);
}

function chargeToRefund(ctx: SandboxContext, chargeId: string | undefined, intentId: string | undefined): Charge {
  if (!chargeId && !intentId)
    throw invalidRequest(
      'One of the following params should be provided for this request: payment_intent or charge.',
      'charge',
      'parameter_missing',
    );
  let charge: Charge | undefined;
  if (intentId) {
    const intent = ctx.store.find<PaymentIntent>('payment_intent', intentId);
    if (!intent) throw resourceMissing('payment_intent', intentId, 'payment_intent');
    if (intent.status !== 'succeeded' || !intent.latest_charge) {
      throw invalidRequest(
        `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`,
        'payment_intent',
        'charge_not_refundable',
      );
    }
    charge = requireCharge(ctx, intent.latest_charge);
    if (chargeId && chargeId !== charge.id)
      throw invalidRequest(`The charge ${chargeId} does not belong to the payment intent ${intent.id}.`, 'charge');
  } else {
    charge = requireCharge(ctx, chargeId as string);
  }
  if (charge.status !== 'succeeded')
    throw invalidRequest(
      `This charge (${charge.id}) has a status of ${charge.status} and cannot be refunded.`,
      'charge',
      'charge_not_refundable',
    );
  if (charge.refunded)
    throw invalidRequest(`Charge ${charge.id} has already been refunded.`, 'charge', 'charge_already_refunded');
  if (charge.disputed) {
    const dispute = ctx.store.all<Dispute>('dispute', { column: 'charge', value: charge.id })[0];
    if (dispute && dispute.status !== 'won' && dispute.status !== 'warning_closed') {
      throw invalidRequest(
        `Charge ${charge.id} has been charged back; cannot issue a refund.`,
        'charge',
        'charge_disputed',
      );
    }
  }
  return charge;
}

function saveCharge(ctx: SandboxContext, charge: Charge, amountRefunded: number): Charge {
  const next: Charge = { ...charge, amount_refunded: amountRefunded, refunded: amountRefunded >= charge.amount };
  ctx.store.save(next);
  return next;
}

export function createRefund(
  ctx: SandboxContext,
  input: {
    charge?: string;
    paymentIntent?: string;
    amount?: number;
    reason?: Refund['reason'];
    metadata?: Record<string, string>;
  },
  origin: Origin,
): Refund {
  const charge = chargeToRefund(ctx, input.charge, input.paymentIntent);
  const remaining = refundable(ctx, charge);
  const amount = input.amount ?? remaining;
  if (amount > remaining) {
    throw invalidRequest(
      `Refund amount (${money(amount, charge.currency)}) is greater than unrefunded amount on charge (${money(remaining, charge.currency)})`,
      'amount',
      'amount_too_large',
    );
  }
  const id = newId('re');
  const async = charge.payment_method_details.type === 'sepa_debit';
  const ledger = recordBalanceTransaction(ctx, {
    amount: -amount,
    currency: charge.currency,
    type: 'refund',
    reportingCategory: 'refund',
    source: id,
    description: 'REFUND FOR CHARGE',
  });
  const refund: Refund = {
    id,
    object: 'refund',
    amount,
    balance_transaction: ledger.id,
    charge: charge.id,
    created: ctx.clock.nowSeconds(),
    currency: charge.currency,
    customer: charge.customer,
    customer_account: null,
    destination_details:
      charge.payment_method_details.type === 'card'
        ? {
            type: 'card',
            card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
          }
        : { type: 'sepa_debit', sepa_debit: {} },
    failure_balance_transaction: null,
    failure_reason: null,
    metadata: input.metadata ?? {},
    payment_intent: charge.payment_intent,
    payment_method: charge.payment_method,
    reason: input.reason ?? null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: async ? 'pending' : 'succeeded',
    transfer_reversal: null,
  };
  ctx.store.insert(refund);
  const updatedCharge = saveCharge(ctx, charge, charge.amount_refunded + amount);
  ctx.events.emit('refund.created', refund, origin);
  ctx.events.emit('charge.refunded', updatedCharge, origin);
  if (async) ctx.scheduler.schedule(SETTLE_REFUND_JOB, refund.id, ctx.settings.sepaSettleMs);
  return refund;
}

function changeRefund(ctx: SandboxContext, current: Refund, next: Refund, origin: Origin, extraEvent?: string): Refund {
  ctx.store.save(next);
  const previous = previousAttributes(current, next);
  if (extraEvent) ctx.events.emit(extraEvent, next, origin);
  ctx.events.emit('refund.updated', next, origin, previous);
  ctx.events.emit('charge.refund.updated', next, origin, previous);
  return next;
}

export function settleRefund(ctx: SandboxContext, id: string, origin: Origin = SYSTEM_ORIGIN): Refund {
  const current = ctx.store.find<Refund>('refund', id);
  if (!current) throw resourceMissing('refund', id);
  if (current.status !== 'pending') return current;
  return changeRefund(ctx, current, { ...current, status: 'succeeded' }, origin);
}

/** The refund bounced (closed card, bank rejection): money goes back to the balance. */
export function failRefund(ctx: SandboxContext, id: string, reason: string, origin: Origin = SYSTEM_ORIGIN): Refund {
  const current = ctx.store.find<Refund>('refund', id);
  if (!current) throw resourceMissing('refund', id);
  if (current.status !== 'pending' && current.status !== 'succeeded') {
    throw invalidRequest(
      `This refund has a status of ${current.status}; only a pending or succeeded refund can fail.`,
      'id',
      'refund_unexpected_state',
    );
  }
  ctx.scheduler.cancel(SETTLE_REFUND_JOB, id);
  const reversal = recordBalanceTransaction(ctx, {
    amount: current.amount,
    currency: current.currency,
    type: 'refund_failure',
    reportingCategory: 'refund_failure',
    source: current.id,
    description: 'REFUND FAILURE',
  });
  const charge = requireCharge(ctx, current.charge);
  saveCharge(ctx, charge, Math.max(0, charge.amount_refunded - current.amount));
  return changeRefund(
    ctx,
    current,
    { ...current, status: 'failed', failure_reason: reason, failure_balance_transaction: reversal.id },
    origin,
    'refund.failed',
  );
}

const FAILURE_REASONS = [
  'charge_for_pending_refund_disputed',
  'declined',
  'expired_or_canceled_card',
  'insufficient_funds',
  'lost_or_stolen_card',
  'merchant_request',
  'unknown',
] as const;
const failBody = z.object({ failure_reason: z.enum(FAILURE_REASONS).optional() }).strict();

export function refundAdminRoutes(ctx: SandboxContext): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: '/_sandbox/refunds/:id/fail',
      handler: ({ path, body }) => {
        const parsed = failBody.safeParse(body);
        if (!parsed.success) throw invalidRequest(z.prettifyError(parsed.error));
        return ok(
          ctx.present(failRefund(ctx, path.id as string, parsed.data.failure_reason ?? 'expired_or_canceled_card')),
        );
      },
    },
  ];
}

export function refundRoutes(ctx: SandboxContext): ApiRoute[] {
  const answer = (refund: Refund, expand: string[]) =>
    ok(expandObject(ctx.store, ctx.present(refund), expand, ctx.present));
  return [
    {
      method: 'POST',
      path: '/v1/refunds',
      handler: ({ params, origin }) => {
        params.allow(['amount', 'charge', 'instructions_email', 'metadata', 'origin', 'payment_intent', 'reason']);
        const amount = params.integer('amount', { min: 1, max: 99_999_999 });
        const reason = params.oneOf('reason', REASONS) ?? null;
        params.string('instructions_email', { max: 800 });
        params.oneOf('origin', ['customer_balance'] as const);
        const refund = createRefund(
          ctx,
          {
            ...(params.string('charge', { max: 255 }) ? { charge: params.string('charge') as string } : {}),
            ...(params.string('payment_intent', { max: 255 })
              ? { paymentIntent: params.string('payment_intent') as string }
              : {}),
            ...(amount !== undefined ? { amount } : {}),
            reason,
            metadata: applyMetadata({}, params.metadata()),
          },
          origin,
        );
        return answer(refund, params.expand());
      },
    },
    {
      method: 'GET',
      path: '/v1/refunds',
      handler: ({ params }) => {
        params.allow([...LIST_PARAMS, 'charge', 'created', 'payment_intent']);
        const charge = params.string('charge', { max: 255 });
        const paymentIntent = params.string('payment_intent', { max: 255 });
        return ok(
          listObjects(ctx.store, {
            type: 'refund',
            url: '/v1/refunds',
            page: readPage(params),
            conditions: [
              ...(charge ? [column('charge', charge)] : []),
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
      path: '/v1/refunds/:id',
      handler: ({ params, path }) => {
        params.allow([]);
        const refund = ctx.store.find<Refund>('refund', path.id as string);
        if (!refund) throw resourceMissing('refund', path.id as string);
        return answer(refund, params.expand());
      },
    },
    {
      method: 'POST',
      path: '/v1/refunds/:id',
      handler: ({ params, path, origin }) => {
        params.allow(['metadata']);
        const current = ctx.store.find<Refund>('refund', path.id as string);
        if (!current) throw resourceMissing('refund', path.id as string);
        const next: Refund = { ...current, metadata: applyMetadata(current.metadata, params.metadata()) };
        const previous = previousAttributes(current, next);
        if (Object.keys(previous).length === 0) return answer(current, params.expand());
        ctx.store.save(next);
        ctx.events.emit('refund.updated', next, origin, previous);
        ctx.events.emit('charge.refund.updated', next, origin, previous);
        return answer(next, params.expand());
      },
    },
    {
      method: 'POST',
      path: '/v1/refunds/:id/cancel',
      handler: ({ params, path, origin }) => {
        params.allow([]);
        const current = ctx.store.find<Refund>('refund', path.id as string);
        if (!current) throw resourceMissing('refund', path.id as string);
        // Stripe cancels only refunds waiting on the customer; none here ever wait that way.
        if (current.status !== 'requires_action') {
          throw invalidRequest(
            `Refund ${current.id} cannot be canceled because it has a status of ${current.status}.`,
            'refund',
            'refund_unexpected_state',
          );
        }
        return answer(changeRefund(ctx, current, { ...current, status: 'canceled' }, origin), params.expand());
      },
    },
  ];
}
