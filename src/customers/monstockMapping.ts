import type { Customer, CustomerInput } from '../monstock/schemas';
import { MONSTOCK_STRIPE_ID_KEY, MONSTOCK_SYNC_HASH_KEY, refValue } from './crossRefs';
import { canonicalFields, sameAddress, type CustomerFields } from './fields';

/** Monstock's side of the mapping: its Address already uses our field names. */
export function fieldsFromMonstock(customer: Pick<Customer, 'email' | 'name' | 'phone' | 'address'>): CustomerFields {
  return canonicalFields(customer);
}

export function monstockLink(customer: Pick<Customer, 'externalRefs'>): { stripeId?: string; hash?: string } {
  const stripeId = refValue(customer.externalRefs, MONSTOCK_STRIPE_ID_KEY);
  const hash = refValue(customer.externalRefs, MONSTOCK_SYNC_HASH_KEY);
  return { ...(stripeId ? { stripeId } : {}), ...(hash ? { hash } : {}) };
}

/**
 * The fields to send so Monstock shows `target`, and only those that differ. Monstock requires
 * e-mail and name, so an absent target value leaves them as they are (the caller makes the target
 * carry Monstock's values in that case). A cleared phone is sent as "" and a cleared address as
 * {}: the adapter's contract types allow no null, and both read back as absent.
 */
export function monstockFieldPatch(current: CustomerFields, target: CustomerFields): CustomerInput {
  const patch: CustomerInput = {};
  if (target.email !== undefined && target.email !== current.email) patch.email = target.email;
  if (target.name !== undefined && target.name !== current.name) patch.name = target.name;
  if (target.phone !== current.phone) patch.phone = target.phone ?? '';
  if (!sameAddress(current.address, target.address)) patch.address = target.address ? { ...target.address } : {};
  return patch;
}

/** A new Monstock customer with these fields; e-mail and name must be present (checked by the caller). */
export function monstockCreateInput(
  fields: CustomerFields & { email: string; name: string },
  externalRefs: Record<string, string>,
): CustomerInput {
  return {
    email: fields.email,
    name: fields.name,
    ...(fields.phone !== undefined ? { phone: fields.phone } : {}),
    ...(fields.address !== undefined ? { address: { ...fields.address } } : {}),
    externalRefs,
  };
}
