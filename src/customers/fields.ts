/**
 * The customer fields the connector keeps equal on both sides, in one canonical shape, so that
 * comparing, hashing and diffing never depend on which side a value came from. Canonical means:
 * strings trimmed, empty strings and nulls are "absent", country codes in upper case (Monstock
 * only accepts ISO alpha-2 in capitals; Stripe accepts either), and an address with no line is no address.
 */
export interface CustomerAddress {
  line1?: string;
  line2?: string;
  postalCode?: string;
  city?: string;
  country?: string;
}

export interface CustomerFields {
  email?: string;
  name?: string;
  phone?: string;
  address?: CustomerAddress;
}

export const ADDRESS_KEYS = ['line1', 'line2', 'postalCode', 'city', 'country'] as const;

export function text(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

export function canonicalAddress(
  address: Partial<Record<(typeof ADDRESS_KEYS)[number], string | null | undefined>> | null | undefined,
): CustomerAddress | undefined {
  if (!address) return undefined;
  const out: CustomerAddress = {};
  for (const key of ADDRESS_KEYS) {
    const value = text(address[key]);
    if (value !== undefined) out[key] = key === 'country' ? value.toUpperCase() : value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Builds canonical fields with absent values left out, so two equal customers are deep-equal. */
export function canonicalFields(input: {
  email?: string | null | undefined;
  name?: string | null | undefined;
  phone?: string | null | undefined;
  address?: CustomerAddress | null | undefined;
}): CustomerFields {
  const out: CustomerFields = {};
  const email = text(input.email);
  const name = text(input.name);
  const phone = text(input.phone);
  const address = canonicalAddress(input.address);
  if (email !== undefined) out.email = email;
  if (name !== undefined) out.name = name;
  if (phone !== undefined) out.phone = phone;
  if (address !== undefined) out.address = address;
  return out;
}

export function sameAddress(a: CustomerAddress | undefined, b: CustomerAddress | undefined): boolean {
  return ADDRESS_KEYS.every((key) => a?.[key] === b?.[key]);
}

export function sameFields(a: CustomerFields, b: CustomerFields): boolean {
  return a.email === b.email && a.name === b.name && a.phone === b.phone && sameAddress(a.address, b.address);
}
