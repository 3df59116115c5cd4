import { z } from 'zod';
import { APPROVED, bookCharge, createCharge, requireCharge } from './charges';
import type { AdminRoute, ApiRoute, Origin, SandboxContext } from './context';
import { ok, SYSTEM_ORIGIN } from './context';
import { invalidRequest, resourceMissing, unexpectedState } from './errors';
import { expandObject } from './list';
import { applyMetadata } from './params';
import type { Charge, PaymentIntent, PaymentMethod } from './types';

/**
 * Manual capture (`capture_method: "manual"`), as Stripe does it for cards: confirming only
 * authorises (`requires_capture`, an uncaptured charge, no money on the balance), then the
 * merchant captures all or part of it, cancels it, or lets it lapse: after
 * `authorizationExpirySeconds` (7 days at Stripe) the hold is released and the intent is
 * canceled with `cancellation_reason: "automatic"`. The lapse runs as a stored job in real time
 * and also whenever the sandbox clock is pushed past a charge's `capture_before`.
 */
export const EXPIRE_AUTHORIZATION_JOB = 'payment_intent.expire_authorization';
export const DEFAULT_AUTHORIZATION_EXPIRY_SECONDS = 7 * 24 * 60 * 60;
/** The admin route's override, kept with the data (a reset returns to the start option). */
const EXPIRY_STATE_KEY = 'authorization_expiry_seconds';
const MAX_EXPIRY_SECONDS = 31 * 24 * 60 * 60;

export function authorizationExpirySeconds(ctx: SandboxContext): number {
  const stored = ctx.store.getState(EXPIRY_STATE_KEY);
  return stored !== undefined ? Number(stored) : ctx.settings.authorizationExpirySeconds;
}

function requireIntent(ctx: SandboxContext, id: string): PaymentIntent {
  const intent = ctx.store.find<PaymentIntent>('payment_intent', id);
  if (!intent) throw resourceMissing('payment_intent', id);
  return intent;
}

function heldCharge(ctx: SandboxContext, intent: PaymentIntent): Charge {
  if (!intent.latest_charge) throw new Error(`payment intent ${intent.id} in requires_capture has no charge`);
  return requireCharge(ctx, intent.latest_charge);
}

/** The card approved the payment; the money stays on hold until captured. */
export function authorizePaymentIntent(
  ctx: SandboxContext,
  intent: PaymentIntent,
  paymentMethod: PaymentMethod,
  origin: Origin,
): PaymentIntent {
  const expirySeconds = authorizationExpirySeconds(ctx);
  const charge = createCharge(ctx, {
    intent,
    paymentMethod,
    status: 'succeeded',
    outcome: APPROVED,
    captureBefore: ctx.clock.nowSeconds() + expirySeconds,
  });
  const held: PaymentIntent = {
    ...intent,
    status: 'requires_capture',
    latest_charge: charge.id,
    amount_capturable: intent.amount,
    amount_received: 0,
    next_action: null,
  };
  ctx.store.save(held);
  ctx.events.emit('charge.succeeded', charge, origin);
  ctx.events.emit('payment_intent.amount_capturable_updated', held, origin);
  ctx.scheduler.schedule(EXPIRE_AUTHORIZATION_JOB, held.id, expirySeconds * 1000);
  return held;
}

function requireCapturable(intent: PaymentIntent): void {
  if (intent.status !== 'requires_capture') {
    throw unexpectedState(
      `This PaymentIntent could not be captured because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
    );
  }
}

/** Captures `amount` (all that is capturable when absent); a partial capture releases the rest. */
export function capturePaymentIntent(
  ctx: SandboxContext,
  id: string,
  amount: number | undefined,
  origin: Origin,
): PaymentIntent {
  const intent = requireIntent(ctx, id);
  requireCapturable(intent);
  const captured = amount ?? intent.amount_capturable;
  if (captured > intent.amount_capturable) {
    throw invalidRequest(
      `The amount to capture (${captured}) must be less than or equal to the amount capturable (${intent.amount_capturable}).`,
      'amount_to_capture',
      'amount_too_large',
    );
  }
  ctx.scheduler.cancel(EXPIRE_AUTHORIZATION_JOB, id);
  const charge = heldCharge(ctx, intent);
  const released = charge.amount - captured;
  // Stripe shows the released remainder of a partial capture as refunded on the charge.
  const capturedCharge: Charge = {
    ...charge,
    captured: true,
    amount_captured: captured,
    amount_refunded: charge.amount_refunded + released,
    refunded: false,
  };
  capturedCharge.balance_transaction = bookCharge(ctx, capturedCharge, captured).id;
  ctx.store.save(capturedCharge);
  const succeeded: PaymentIntent = {
    ...intent,
    status: 'succeeded',
    amount_capturable: 0,
    amount_received: captured,
  };
  ctx.store.save(succeeded);
  ctx.events.emit('charge.captured', capturedCharge, origin);
  ctx.events.emit('payment_intent.succeeded', succeeded, origin);
  return succeeded;
}

/**
 * Releases the hold of an intent in `requires_capture`, by the merchant's cancel or by the
 * authorisation lapsing: the uncaptured charge is marked refunded, nothing touches the balance.
 */
export function releaseAuthorization(
  ctx: SandboxContext,
  intent: PaymentIntent,
  reason: string | null,
  origin: Origin,
): PaymentIntent {
  ctx.scheduler.cancel(EXPIRE_AUTHORIZATION_JOB, intent.id);
  const charge = heldCharge(ctx, intent);
  const released: Charge = { ...charge, amount_refunded: charge.amount, refunded: true };
  ctx.store.save(released);
  const canceled: PaymentIntent = {
    ...intent,
    status: 'canceled',
    amount_capturable: 0,
    canceled_at: ctx.clock.nowSeconds(),
    cancellation_reason: reason,
  };
  ctx.store.save(canceled);
  ctx.events.emit(reason === 'automatic' ? 'charge.expired' : 'charge.refunded', released, origin);
  ctx.events.emit('payment_intent.canceled', canceled, origin);
  return canceled;
}

function captureBefore(charge: Charge): number | undefined {
  return charge.payment_method_details.type === 'card' ? charge.payment_method_details.card.capture_before : undefined;
}

/** Lets one authorisation lapse if it is still held and its time has come on the sandbox clock. */
export function expireAuthorization(ctx: SandboxContext, id: string, force = false): PaymentIntent {
  const intent = requireIntent(ctx, id);
  if (force) requireCapturable(intent);
  if (intent.status !== 'requires_capture') return intent;
  const deadline = captureBefore(heldCharge(ctx, intent));
  const now = ctx.clock.nowSeconds();
  if (!force && deadline !== undefined && deadline > now) {
    // Not yet on the sandbox clock (it only ever runs ahead of the wall clock); try again then.
    ctx.scheduler.schedule(EXPIRE_AUTHORIZATION_JOB, id, (deadline - now) * 1000);
    return intent;
  }
  return releaseAuthorization(ctx, intent, 'automatic', SYSTEM_ORIGIN);
}

/** Every held authorisation the sandbox clock has now passed (after the clock was advanced). */
export function expireDueAuthorizations(ctx: SandboxContext): number {
  const now = ctx.clock.nowSeconds();
  let expired = 0;
  for (const intent of ctx.store.all<PaymentIntent>('payment_intent')) {
    if (intent.status !== 'requires_capture' || !intent.latest_charge) continue;
    const deadline = captureBefore(requireCharge(ctx, intent.latest_charge));
    if (deadline === undefined || deadline > now) continue;
    // Run as the intent's account (this sweep itself sees every account), so what the release
    // creates stays in it.
    ctx.store.inAccount(ctx.store.accountOf(intent.id) ?? null, () =>
      releaseAuthorization(ctx, intent, 'automatic', SYSTEM_ORIGIN),
    );
    expired += 1;
  }
  return expired;
}

export function captureRoutes(ctx: SandboxContext): ApiRoute[] {
  return [
    {
      method: 'POST',
      path: '/v1/payment_intents/:id/capture',
      handler: ({ params, path, origin }) => {
        params.allow([
          'amount_to_capture',
          'final_capture',
          'metadata',
          'statement_descriptor',
          'statement_descriptor_suffix',
        ]);
        const amount = params.integer('amount_to_capture', { min: 1, max: 99_999_999 });
        // Multicapture is not offered: every capture is the final one, as Stripe's default.
        if (params.boolean('final_capture') === false)
          throw invalidRequest('Multicapture is not available for this PaymentIntent.', 'final_capture');
        params.string('statement_descriptor', { max: 22 });
        params.string('statement_descriptor_suffix', { max: 22 });
        const metadata = params.metadata();
        if (metadata !== undefined) {
          const intent = requireIntent(ctx, path.id as string);
          requireCapturable(intent);
          ctx.store.save({ ...intent, metadata: applyMetadata(intent.metadata, metadata) });
        }
        const captured = capturePaymentIntent(ctx, path.id as string, amount, origin);
        return ok(expandObject(ctx.store, ctx.present(captured), params.expand(), ctx.present));
      },
    },
  ];
}

const expiryBody = z.object({ seconds: z.number().int().positive().max(MAX_EXPIRY_SECONDS).nullable() }).strict();

/**
 * `GET|POST /_sandbox/authorization_expiry` reads or sets how long new authorisations last
 * (`{ seconds }`, null for the start option); `POST /_sandbox/payment_intents/:id/expire` lets
 * one lapse now.
 */
export function captureAdminRoutes(ctx: SandboxContext): AdminRoute[] {
  const state = () => ({ seconds: authorizationExpirySeconds(ctx) });
  return [
    { method: 'GET', path: '/_sandbox/authorization_expiry', handler: () => ok(state()) },
    {
      method: 'POST',
      path: '/_sandbox/authorization_expiry',
      handler: ({ body }) => {
        const parsed = expiryBody.safeParse(body);
        if (!parsed.success) throw invalidRequest(z.prettifyError(parsed.error), 'seconds');
        const { seconds } = parsed.data;
        if (seconds === null) ctx.store.setState(EXPIRY_STATE_KEY, String(ctx.settings.authorizationExpirySeconds));
        else ctx.store.setState(EXPIRY_STATE_KEY, String(seconds));
        ctx.logger.info('sandbox authorization expiry set', state());
        return ok(state());
      },
    },
    {
      method: 'POST',
      path: '/_sandbox/payment_intents/:id/expire',
      handler: ({ path }) => ok(ctx.present(expireAuthorization(ctx, path.id as string, true))),
    },
  ];
}
