import { mergeExternalRefs } from './externalRefs';
import type { CustomerInput, CustomerPatch } from './schemas';
import type { Customer } from './types';

/** Customer rules with no I/O. */
export function newCustomer(input: CustomerInput, id: string, at: string): Customer {
  return {
    id,
    email: input.email,
    name: input.name,
    ...(input.phone !== undefined ? { phone: input.phone } : {}),
    ...(input.address !== undefined ? { address: { ...input.address } } : {}),
    externalRefs: mergeExternalRefs({}, input.externalRefs),
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

/**
 * The patched content. An address is replaced as a whole: merging two addresses line by line
 * could produce one that exists nowhere. `null` removes phone or address.
 */
export function applyCustomerPatch(customer: Customer, patch: CustomerPatch): Customer {
  const next: Customer = { ...customer, externalRefs: mergeExternalRefs(customer.externalRefs, patch.externalRefs) };
  if (patch.email !== undefined) next.email = patch.email;
  if (patch.name !== undefined) next.name = patch.name;
  if (patch.phone === null) delete next.phone;
  else if (patch.phone !== undefined) next.phone = patch.phone;
  if (patch.address === null) delete next.address;
  else if (patch.address !== undefined) next.address = { ...patch.address };
  return next;
}
