import type Stripe from 'stripe';
import { refValue, STRIPE_MONSTOCK_ID_KEY, STRIPE_SYNC_HASH_KEY } from './crossRefs';
import { canonicalFields, sameAddress, type CustomerAddress, type CustomerFields } from './fields';

/** The part of a Stripe customer the mapping reads (a webhook snapshot or a retrieved object). */
export type StripeCustomerView = Pick<Stripe.Customer, 'email' | 'name' | 'phone' | 'address' | 'metadata'>;

/**
 * Stripe's side of the mapping. A Stripe customer may have no name (a Checkout guest often has
 * only an e-mail) while Monstock requires one: the e-mail stands in for it, on this side's
 * canonical form too, so such a customer does not look changed after every sync.
 */
export function fieldsFromStripe(
  customer: Pick<StripeCustomerView, 'email' | 'name' | 'phone' | 'address'>,
): CustomerFields {
  const address = customer.address;
  return canonicalFields({
    email: customer.email,
    name: customer.name?.trim() ? customer.name : customer.email,
    phone: customer.phone,
    address: address
      ? {
          line1: address.line1 ?? undefined,
          line2: address.line2 ?? undefined,
          postalCode: address.postal_code ?? undefined,
          city: address.city ?? undefined,
          country: address.country ?? undefined,
        }
      : undefined,
  });
}

export function stripeLink(customer: Pick<StripeCustomerView, 'metadata'>): { monstockId?: string; hash?: string } {
  const monstockId = refValue(customer.metadata, STRIPE_MONSTOCK_ID_KEY);
  const hash = refValue(customer.metadata, STRIPE_SYNC_HASH_KEY);
  return { ...(monstockId ? { monstockId } : {}), ...(hash ? { hash } : {}) };
}

/**
 * Stripe's address param with every synced line spelled out ("" clears one), so the result is
 * the same whether Stripe replaces or merges the address; `state`, which Monstock does not
 * have, is kept as it was.
 */
export function stripeAddressParam(address: CustomerAddress, state: string | null | undefined): Stripe.AddressParam {
  return {
    line1: address.line1 ?? '',
    line2: address.line2 ?? '',
    postal_code: address.postalCode ?? '',
    city: address.city ?? '',
    country: address.country ?? '',
    ...(state ? { state } : {}),
  };
}

/** The fields to send so Stripe shows `target`, only those that differ; "" clears phone and address. */
export function stripeFieldParams(
  current: CustomerFields,
  target: CustomerFields,
  currentState?: string | null,
): Stripe.CustomerUpdateParams {
  const params: Stripe.CustomerUpdateParams = {};
  if (target.email !== undefined && target.email !== current.email) params.email = target.email;
  if (target.name !== undefined && target.name !== current.name) params.name = target.name;
  if (target.phone !== current.phone) params.phone = target.phone ?? '';
  if (!sameAddress(current.address, target.address))
    params.address = target.address ? stripeAddressParam(target.address, currentState) : '';
  return params;
}

export function stripeCreateParams(
  fields: CustomerFields,
  metadata: Record<string, string>,
): Stripe.CustomerCreateParams {
  return {
    ...(fields.email !== undefined ? { email: fields.email } : {}),
    ...(fields.name !== undefined ? { name: fields.name } : {}),
    ...(fields.phone !== undefined ? { phone: fields.phone } : {}),
    ...(fields.address !== undefined ? { address: stripeAddressParam(fields.address, undefined) } : {}),
    metadata,
  };
}
