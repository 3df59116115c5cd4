import type { ApiRoute, SandboxContext } from './context';
import { ok } from './context';
import { resourceMissing } from './errors';
import { newId } from './ids';
import { expandObject } from './list';
import { testPaymentMethod, type TestBehaviour } from './testPaymentMethods';
import type { PaymentMethod } from './types';

/**
 * PaymentMethods as confirmation meets them. A test id (`pm_card_visa`) becomes a fresh
 * `pm_...` object the first time it is used, as in Stripe's test mode; the scripted behaviour
 * (succeed, decline, dispute, settle later) is kept with it, out of sight.
 */
export interface PaymentMethodInternal {
  behaviour: TestBehaviour;
}

const NO_ADDRESS = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };

export interface ResolvedPaymentMethod {
  paymentMethod: PaymentMethod;
  behaviour: TestBehaviour;
}

/** Resolves `payment_method=` (a test id or a stored pm_), or answers Stripe's 400. */
export function resolvePaymentMethod(
  ctx: SandboxContext,
  id: string,
  customer: string | null,
  param = 'payment_method',
): ResolvedPaymentMethod {
  const stored = ctx.store.find<PaymentMethod>('payment_method', id);
  if (stored) {
    const internal = ctx.store.internal<PaymentMethodInternal>(id);
    return { paymentMethod: stored, behaviour: internal?.behaviour ?? { kind: 'succeed' } };
  }
  const template = testPaymentMethod(id);
  if (!template) throw resourceMissing('PaymentMethod', id, param);
  const paymentMethod: PaymentMethod = {
    id: newId('pm'),
    object: 'payment_method',
    billing_details: {
      address: NO_ADDRESS,
      email: null,
      name: template.type === 'sepa_debit' ? 'Jenny Rosen' : null,
      phone: null,
      tax_id: null,
    },
    ...(template.card
      ? {
          card: {
            ...template.card,
            checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
            display_brand: template.card.brand,
            generated_from: null,
            networks: { available: [template.card.brand], preferred: null },
            regulated_status: 'unregulated',
            three_d_secure_usage: { supported: true },
            wallet: null,
          },
        }
      : {}),
    ...(template.sepaDebit
      ? { sepa_debit: { ...template.sepaDebit, generated_from: { charge: null, setup_attempt: null } } }
      : {}),
    created: ctx.clock.nowSeconds(),
    customer,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: template.type,
  };
  const internal: PaymentMethodInternal = { behaviour: template.behaviour };
  ctx.store.insert(paymentMethod, internal);
  return { paymentMethod, behaviour: template.behaviour };
}

export function paymentMethodRoutes(ctx: SandboxContext): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/v1/payment_methods/:id',
      handler: ({ params, path }) => {
        params.allow([]);
        const paymentMethod = ctx.store.find<PaymentMethod>('payment_method', path.id as string);
        if (!paymentMethod) throw resourceMissing('payment_method', path.id as string);
        return ok(expandObject(ctx.store, ctx.present(paymentMethod), params.expand(), ctx.present));
      },
    },
  ];
}
