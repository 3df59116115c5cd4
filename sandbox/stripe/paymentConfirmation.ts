import { z } from 'zod';
import { APPROVED, bookCharge, createCharge, outcome } from './charges';
import type { AdminRoute, Origin, SandboxContext } from './context';
import { ok, SYSTEM_ORIGIN } from './context';
import { invalidRequest, resourceMissing, stripeErrorBody, unexpectedState, type StripeErrorBody } from './errors';
import { authorizePaymentIntent } from './manualCapture';
import { resolvePaymentMethod } from './paymentMethods';
import type { TestBehaviour } from './testPaymentMethods';
import type { Charge, PaymentError, PaymentIntent, PaymentMethod } from './types';

/**
 * What confirming a payment intent does in Stripe's test mode, driven by the test payment
 * method: succeed at once (cards), decline with a 402 and a failed charge, succeed and be
 * disputed a moment later, or go `processing` and settle after `sepaSettleMs` (SEPA debits).
 */
export const SETTLE_JOB = 'payment_intent.settle';
export const OPEN_DISPUTE_JOB = 'dispute.open';

const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'] as const;

export interface ConfirmOutcome {
  intent: PaymentIntent;
  /** Set when the payment was declined: the 402 body Stripe answers with. */
  declined?: StripeErrorBody;
}

export function confirmPaymentIntent(
  ctx: SandboxContext,
  current: PaymentIntent,
  paymentMethodId: string | undefined,
  origin: Origin,
): ConfirmOutcome {
  if (!(CONFIRMABLE as readonly string[]).includes(current.status)) {
    throw unexpectedState(
      `You cannot confirm this PaymentIntent because it has a status of ${current.status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_action, requires_payment_method.`,
    );
  }
  const methodId = paymentMethodId ?? current.payment_method;
  if (!methodId) {
    throw unexpectedState(
      "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
    );
  }
  const { paymentMethod, behaviour } = resolvePaymentMethod(ctx, methodId, null);
  if (!current.payment_method_types.includes(paymentMethod.type)) {
    throw invalidRequest(
      `The PaymentMethod provided (${paymentMethod.type}) is not allowed for this PaymentIntent. Please attach a PaymentMethod of one of the following types: ${current.payment_method_types.join(', ')}.`,
      'payment_method',
      'payment_intent_incompatible_payment_method',
    );
  }
  const intent: PaymentIntent = {
    ...current,
    payment_method: paymentMethod.id,
    last_payment_error: null,
    next_action: null,
  };

  if (behaviour.kind === 'decline') {
    const charge = createCharge(ctx, {
      intent,
      paymentMethod,
      status: 'failed',
      outcome: outcome({
        network_status: 'declined_by_network',
        reason: behaviour.outcomeReason,
        risk_level: 'normal',
        risk_score: 40,
        seller_message: behaviour.sellerMessage,
        type: 'issuer_declined',
      }),
      failure: { code: behaviour.code, message: behaviour.message },
    });
    const error: PaymentError = {
      type: 'card_error',
      code: behaviour.code,
      decline_code: behaviour.declineCode,
      message: behaviour.message,
      doc_url: `https://docs.stripe.com/error-codes/${behaviour.code.replace(/_/g, '-')}`,
      charge: charge.id,
      payment_method: paymentMethod,
    };
    // After a decline Stripe detaches the method and keeps it only inside last_payment_error.
    const failed: PaymentIntent = {
      ...intent,
      status: 'requires_payment_method',
      latest_charge: charge.id,
      payment_method: null,
      last_payment_error: error,
    };
    ctx.store.save(failed);
    ctx.events.emit('charge.failed', charge, origin);
    ctx.events.emit('payment_intent.payment_failed', failed, origin);
    return {
      intent: failed,
      declined: stripeErrorBody({
        type: 'card_error',
        code: behaviour.code,
        decline_code: behaviour.declineCode,
        message: behaviour.message,
        charge: charge.id,
        payment_intent: ctx.present(failed),
        payment_method: paymentMethod,
        request_log_url: `https://dashboard.stripe.com/test/logs/${origin.requestId ?? ''}`,
      }),
    };
  }

  if (behaviour.kind === 'async') {
    // As at Stripe: bank debits have no authorisation to hold, so no manual capture.
    if (intent.capture_method === 'manual') {
      throw invalidRequest(
        `The provided ${paymentMethod.type} PaymentMethod cannot be used with capture_method=manual. Use automatic capture instead.`,
        'capture_method',
        'payment_intent_invalid_parameter',
      );
    }
    const charge = createCharge(ctx, {
      intent,
      paymentMethod,
      status: 'pending',
      outcome: { ...APPROVED, risk_level: 'not_assessed', risk_score: 0 },
    });
    const processing: PaymentIntent = { ...intent, status: 'processing', latest_charge: charge.id };
    ctx.store.save(processing);
    ctx.events.emit('charge.pending', charge, origin);
    ctx.events.emit('payment_intent.processing', processing, origin);
    ctx.scheduler.schedule(SETTLE_JOB, processing.id, ctx.settings.sepaSettleMs);
    return { intent: processing };
  }

  if (behaviour.kind === 'authenticate') {
    // No charge yet: Stripe charges the card once the customer has authenticated.
    const waiting: PaymentIntent = {
      ...intent,
      status: 'requires_action',
      next_action: {
        type: 'use_stripe_sdk',
        use_stripe_sdk: {
          type: 'three_d_secure_redirect',
          stripe_js: `https://hooks.stripe.com/redirect/authenticate/${intent.id}`,
          source: `src_${intent.id.replace(/^pi_/, '')}`,
        },
      },
    };
    ctx.store.save(waiting);
    ctx.events.emit('payment_intent.requires_action', waiting, origin);
    return { intent: waiting };
  }

  return { intent: chargeAndSucceed(ctx, intent, paymentMethod, behaviour, origin) };
}

function chargeAndSucceed(
  ctx: SandboxContext,
  intent: PaymentIntent,
  paymentMethod: PaymentMethod,
  behaviour: TestBehaviour,
  origin: Origin,
): PaymentIntent {
  if (intent.capture_method === 'manual') return authorizePaymentIntent(ctx, intent, paymentMethod, origin);
  const charge = createCharge(ctx, { intent, paymentMethod, status: 'succeeded', outcome: APPROVED });
  const succeeded: PaymentIntent = {
    ...intent,
    status: 'succeeded',
    latest_charge: charge.id,
    amount_received: intent.amount,
    next_action: null,
  };
  ctx.store.save(succeeded);
  ctx.events.emit('charge.succeeded', charge, origin);
  ctx.events.emit('payment_intent.succeeded', succeeded, origin);
  if (behaviour.kind === 'dispute') ctx.scheduler.schedule(OPEN_DISPUTE_JOB, charge.id, ctx.settings.disputeDelayMs);
  return succeeded;
}

/**
 * The customer finished (or failed) the 3-D Secure challenge of an intent in `requires_action`.
 * Succeeded: the card is charged as on any confirmation. Failed: as Stripe does, no charge, the
 * intent wants another payment method and says why in `last_payment_error`.
 */
export function authenticatePaymentIntent(
  ctx: SandboxContext,
  id: string,
  authenticated: boolean,
  origin: Origin = SYSTEM_ORIGIN,
): PaymentIntent {
  const intent = ctx.store.find<PaymentIntent>('payment_intent', id);
  if (!intent) throw resourceMissing('payment_intent', id);
  const paymentMethod = intent.payment_method
    ? ctx.store.find<PaymentMethod>('payment_method', intent.payment_method)
    : undefined;
  if (intent.status !== 'requires_action' || !paymentMethod) {
    throw unexpectedState(
      `This PaymentIntent has a status of ${intent.status}; only one that requires_action can be authenticated.`,
    );
  }
  if (authenticated) return chargeAndSucceed(ctx, intent, paymentMethod, { kind: 'succeed' }, origin);
  const failed: PaymentIntent = {
    ...intent,
    status: 'requires_payment_method',
    payment_method: null,
    next_action: null,
    last_payment_error: {
      type: 'invalid_request_error',
      code: 'payment_intent_authentication_failure',
      message:
        'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
      doc_url: 'https://docs.stripe.com/error-codes/payment-intent-authentication-failure',
      payment_method: paymentMethod,
      payment_method_type: paymentMethod.type,
    },
  };
  ctx.store.save(failed);
  ctx.events.emit('payment_intent.payment_failed', failed, origin);
  return failed;
}

function processingIntent(ctx: SandboxContext, id: string): { intent: PaymentIntent; charge: Charge } {
  const intent = ctx.store.find<PaymentIntent>('payment_intent', id);
  if (!intent) throw resourceMissing('payment_intent', id);
  if (intent.status !== 'processing' || !intent.latest_charge) {
    throw unexpectedState(
      `This PaymentIntent has a status of ${intent.status}; only a processing one can settle or fail.`,
    );
  }
  const charge = ctx.store.find<Charge>('charge', intent.latest_charge);
  if (!charge) throw resourceMissing('charge', intent.latest_charge);
  return { intent, charge };
}

/** The bank debit went through: the charge succeeds and the money reaches the balance. */
export function settlePaymentIntent(ctx: SandboxContext, id: string, origin: Origin = SYSTEM_ORIGIN): PaymentIntent {
  const { intent, charge } = processingIntent(ctx, id);
  ctx.scheduler.cancel(SETTLE_JOB, id);
  const paid: Charge = {
    ...charge,
    status: 'succeeded',
    paid: true,
    outcome: { ...APPROVED, risk_level: 'not_assessed', risk_score: 0 },
  };
  paid.balance_transaction = bookCharge(ctx, paid).id;
  ctx.store.save(paid);
  const succeeded: PaymentIntent = { ...intent, status: 'succeeded', amount_received: intent.amount };
  ctx.store.save(succeeded);
  ctx.events.emit('charge.succeeded', paid, origin);
  ctx.events.emit('payment_intent.succeeded', succeeded, origin);
  return succeeded;
}

export interface DebitFailure {
  code: string;
  message: string;
}

export const DEFAULT_DEBIT_FAILURE: DebitFailure = {
  code: 'insufficient_funds',
  message: "The customer's account has insufficient funds to cover this payment.",
};

/** The bank debit bounced: the charge fails and the intent wants another payment method. */
export function failPaymentIntent(
  ctx: SandboxContext,
  id: string,
  failure: DebitFailure,
  origin: Origin = SYSTEM_ORIGIN,
): PaymentIntent {
  const { intent, charge } = processingIntent(ctx, id);
  ctx.scheduler.cancel(SETTLE_JOB, id);
  const failed: Charge = {
    ...charge,
    status: 'failed',
    paid: false,
    captured: false,
    amount_captured: 0,
    failure_code: failure.code,
    failure_message: failure.message,
    outcome: outcome({
      network_status: 'declined_by_network',
      reason: failure.code,
      risk_level: 'not_assessed',
      risk_score: 0,
      seller_message: failure.message,
      type: 'issuer_declined',
    }),
  };
  ctx.store.save(failed);
  const paymentMethod = charge.payment_method
    ? ctx.store.find<PaymentMethod>('payment_method', charge.payment_method)
    : undefined;
  const error: PaymentError = {
    type: 'invalid_request_error',
    code: failure.code,
    message: failure.message,
    charge: charge.id,
    payment_method_type: charge.payment_method_details.type,
    ...(paymentMethod ? { payment_method: paymentMethod } : {}),
  };
  const next: PaymentIntent = {
    ...intent,
    status: 'requires_payment_method',
    payment_method: null,
    last_payment_error: error,
  };
  ctx.store.save(next);
  ctx.events.emit('charge.failed', failed, origin);
  ctx.events.emit('payment_intent.payment_failed', next, origin);
  return next;
}

const failBody = z
  .object({
    failure_code: z.string().min(1).max(100).optional(),
    failure_message: z.string().min(1).max(500).optional(),
  })
  .strict();

const authenticateBody = z.object({ outcome: z.enum(['succeed', 'fail']) }).strict();

export function paymentIntentAdminRoutes(ctx: SandboxContext): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: '/_sandbox/payment_intents/:id/authenticate',
      handler: ({ path, body }) => {
        const parsed = authenticateBody.safeParse(body ?? {});
        if (!parsed.success) throw invalidRequest(z.prettifyError(parsed.error));
        return ok(ctx.present(authenticatePaymentIntent(ctx, path.id as string, parsed.data.outcome === 'succeed')));
      },
    },
    {
      method: 'POST',
      path: '/_sandbox/payment_intents/:id/settle',
      handler: ({ path }) => ok(ctx.present(settlePaymentIntent(ctx, path.id as string))),
    },
    {
      method: 'POST',
      path: '/_sandbox/payment_intents/:id/fail',
      handler: ({ path, body }) => {
        const parsed = failBody.safeParse(body);
        if (!parsed.success) throw invalidRequest(z.prettifyError(parsed.error));
        const failure: DebitFailure = {
          code: parsed.data.failure_code ?? DEFAULT_DEBIT_FAILURE.code,
          message:
            parsed.data.failure_message ??
            (parsed.data.failure_code ? 'The payment failed.' : DEFAULT_DEBIT_FAILURE.message),
        };
        return ok(ctx.present(failPaymentIntent(ctx, path.id as string, failure)));
      },
    },
  ];
}
