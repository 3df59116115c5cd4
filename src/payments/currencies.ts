/**
 * Every currency Stripe takes, and how an amount crosses between Monstock and Stripe.
 *
 * Monstock amounts are integers in the ISO 4217 minor unit of the currency (docs/monstock-api.yaml).
 * Stripe amounts are integers in Stripe's own "smallest unit", which is not always ISO's. Pure: no
 * I/O, no clock, so workflow code may import it.
 *
 * Sources: Stripe's "Supported currencies" page (https://docs.stripe.com/currencies: presentment
 * currencies, "Zero-decimal currencies", "Three-decimal currencies", "Special cases"; Stripe support
 * note "Deprecation of fractional ISK charges and refunds", 2023) and the ISO 4217 list of minor units.
 *
 * The classes (`stripeExponent` = decimals in a Stripe amount, `stripeStep` = what a Stripe amount
 * must be a multiple of):
 * - two-decimal (most): ISO 2, Stripe 2, any integer. Passes unchanged.
 * - zero-decimal (BIF CLP DJF GNF JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF): ISO 0, Stripe 0. Unchanged.
 *   (UGX is on Stripe's zero-decimal list, whatever older integrations assumed.)
 * - MGA: Stripe zero-decimal, but ISO 4217 gives the ariary 2 minor digits: Monstock 100 = Stripe 1.
 *   A Monstock amount with a fraction of an ariary is refused.
 * - three-decimal (BHD JOD KWD OMR TND): ISO 3, Stripe 3, but Stripe wants the last digit 0 (its
 *   partners take 2 decimals). Stripe's docs say "round to the nearest ten"; we refuse instead:
 *   KWD 1.235 is never silently charged as 1.230 or 1.240. The order is parked for a person.
 * - ISK: ISO 0 (whole units), Stripe two-decimal with the decimals always 00 (backwards
 *   compatibility): Monstock 5 ISK → Stripe 500; a Stripe amount not divisible by 100 is refused.
 * - HUF and TWD: ISO 2, Stripe 2. Stripe takes two-decimal charges; only payouts must be whole units
 *   (divisible by 100). The connector makes no payouts, so charges pass unchanged, fractions too.
 *
 * Nothing rounds. An amount that cannot cross exactly throws {@link CurrencyAmountError}; the
 * activities turn it into a non-retryable failure, which parks the order's workflow for a person.
 */
export type StripeCurrencyClass = 'two_decimal' | 'zero_decimal' | 'three_decimal' | 'whole_units_as_two_decimal';

export interface CurrencyRule {
  /** ISO 4217 code, upper case: what Monstock uses. */
  code: string;
  /** ISO 4217 minor-unit digits: Monstock amounts are in 10^-isoExponent of the unit. */
  isoExponent: number;
  /** Decimals in a Stripe amount of this currency. */
  stripeExponent: number;
  /** Every Stripe amount must be a multiple of this (10 for three-decimal, 100 for ISK). */
  stripeStep: number;
  stripeClass: StripeCurrencyClass;
  /** A note for people: why the rule is what it is. */
  note?: string;
}

/** Stripe's presentment currencies that are two-decimal on both sides (ISO 2, Stripe 2). */
const TWO_DECIMAL = [
  'USD', 'AED', 'AFN', 'ALL', 'AMD', 'ANG', 'AOA', 'ARS', 'AUD', 'AWG', 'AZN', 'BAM', 'BBD', 'BDT', 'BGN', 'BMD',
  'BND', 'BOB', 'BRL', 'BSD', 'BWP', 'BYN', 'BZD', 'CAD', 'CDF', 'CHF', 'CNY', 'COP', 'CRC', 'CVE', 'CZK', 'DKK',
  'DOP', 'DZD', 'EGP', 'ETB', 'EUR', 'FJD', 'FKP', 'GBP', 'GEL', 'GIP', 'GMD', 'GTQ', 'GYD', 'HKD', 'HNL', 'HTG',
  'IDR', 'ILS', 'INR', 'JMD', 'KES', 'KGS', 'KHR', 'KYD', 'KZT', 'LAK', 'LBP', 'LKR', 'LRD', 'LSL', 'MAD', 'MDL',
  'MKD', 'MMK', 'MNT', 'MOP', 'MRO', 'MUR', 'MVR', 'MWK', 'MXN', 'MYR', 'MZN', 'NAD', 'NGN', 'NIO', 'NOK', 'NPR',
  'NZD', 'PAB', 'PEN', 'PGK', 'PHP', 'PKR', 'PLN', 'QAR', 'RON', 'RSD', 'RUB', 'SAR', 'SBD', 'SCR', 'SEK', 'SGD',
  'SHP', 'SLE', 'SLL', 'SOS', 'SRD', 'STD', 'SZL', 'THB', 'TJS', 'TOP', 'TRY', 'TTD', 'TZS', 'UAH', 'UYU', 'UZS',
  'WST', 'XCD', 'XCG', 'YER', 'ZAR', 'ZMW',
] as const; // prettier-ignore

/** Stripe's zero-decimal currencies that ISO also gives no minor unit. */
const ZERO_DECIMAL = 'BIF CLP DJF GNF JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF'.split(' ');

const THREE_DECIMAL = ['BHD', 'JOD', 'KWD', 'OMR', 'TND'];

function rule(
  code: string,
  isoExponent: number,
  stripeExponent: number,
  stripeStep: number,
  stripeClass: StripeCurrencyClass,
  note?: string,
): CurrencyRule {
  return { code, isoExponent, stripeExponent, stripeStep, stripeClass, ...(note ? { note } : {}) };
}

export const CURRENCY_RULES: ReadonlyMap<string, CurrencyRule> = new Map(
  [
    ...TWO_DECIMAL.map((code) => rule(code, 2, 2, 1, 'two_decimal')),
    rule('HUF', 2, 2, 1, 'two_decimal', 'Stripe pays HUF out in whole units only; charges may carry fillér'),
    rule('TWD', 2, 2, 1, 'two_decimal', 'Stripe pays TWD out in whole units only; charges may carry cents'),
    ...ZERO_DECIMAL.map((code) => rule(code, 0, 0, 1, 'zero_decimal')),
    rule('MGA', 2, 0, 1, 'zero_decimal', 'Stripe: zero-decimal; ISO 4217: 2 minor digits'),
    ...THREE_DECIMAL.map((code) =>
      rule(code, 3, 3, 10, 'three_decimal', 'Stripe wants the last of the three decimals to be 0'),
    ),
    rule('ISK', 0, 2, 100, 'whole_units_as_two_decimal', 'Stripe: two-decimal amounts, decimals always 00'),
  ].map((r) => [r.code, r] as const),
);

/** An amount that cannot cross between Monstock and Stripe exactly: a person decides, nothing rounds. */
export class CurrencyAmountError extends Error {
  override readonly name = 'CurrencyAmountError';
  constructor(
    message: string,
    readonly currency: string,
    readonly amount: number,
    readonly direction: 'to_stripe' | 'to_monstock',
  ) {
    super(message);
  }
}

export function currencyRule(currency: string): CurrencyRule | undefined {
  return CURRENCY_RULES.get(currency.toUpperCase());
}

function requireRule(currency: string, amount: number, direction: CurrencyAmountError['direction']): CurrencyRule {
  const found = currencyRule(currency);
  if (!found)
    throw new CurrencyAmountError(
      `${currency.toUpperCase()} is not a currency Stripe takes (or the connector does not know it): ${amount} not converted`,
      currency.toUpperCase(),
      amount,
      direction,
    );
  if (!Number.isSafeInteger(amount))
    throw new CurrencyAmountError(
      `amount must be an integer of minor units, got ${amount} ${found.code}`,
      found.code,
      amount,
      direction,
    );
  return found;
}

/** 10^n for the small exponent differences in the table (0..2), exact in integers. */
function power(n: number): number {
  return 10 ** n;
}

/**
 * Monstock minor units (ISO 4217) → Stripe amount. Throws {@link CurrencyAmountError} for an amount
 * Stripe cannot take exactly (KWD 1.235, a fraction of an ariary, an unknown currency); never rounds.
 */
export function toStripeAmount(monstockAmount: number, currency: string): number {
  const r = requireRule(currency, monstockAmount, 'to_stripe');
  const shift = r.stripeExponent - r.isoExponent;
  let stripe: number;
  if (shift >= 0) {
    stripe = monstockAmount * power(shift);
  } else {
    const divisor = power(-shift);
    if (monstockAmount % divisor !== 0)
      throw new CurrencyAmountError(
        `${formatIso(monstockAmount, r)} ${r.code} has a fraction Stripe cannot charge (Stripe takes whole ${r.code}); ` +
          'not rounded: correct the order amount',
        r.code,
        monstockAmount,
        'to_stripe',
      );
    stripe = monstockAmount / divisor;
  }
  if (stripe % r.stripeStep !== 0)
    throw new CurrencyAmountError(
      `${formatIso(monstockAmount, r)} ${r.code} cannot be charged by Stripe: its amount must be a multiple of ` +
        `${formatIso(r.stripeStep / power(r.stripeExponent - r.isoExponent), r)} ${r.code}; not rounded: correct the order amount`,
      r.code,
      monstockAmount,
      'to_stripe',
    );
  if (!Number.isSafeInteger(stripe))
    throw new CurrencyAmountError(`${monstockAmount} ${r.code} is too large`, r.code, monstockAmount, 'to_stripe');
  return stripe;
}

/**
 * Stripe amount → Monstock minor units (ISO 4217). Exact for every amount Stripe can hold; throws
 * {@link CurrencyAmountError} for one with a fraction ISO cannot express (ISK 5.50 from before 2023).
 */
export function toMonstockAmount(stripeAmount: number, currency: string): number {
  const r = requireRule(currency, stripeAmount, 'to_monstock');
  const shift = r.isoExponent - r.stripeExponent;
  if (shift >= 0) return stripeAmount * power(shift);
  const divisor = power(-shift);
  if (stripeAmount % divisor !== 0)
    throw new CurrencyAmountError(
      `Stripe amount ${stripeAmount} ${r.code} has a fraction of a unit that ${r.code} (ISO ${r.isoExponent} decimals) ` +
        'cannot express; not rounded: a person records it',
      r.code,
      stripeAmount,
      'to_monstock',
    );
  return stripeAmount / divisor;
}

/** For people, not for arithmetic: Monstock minor units shown with the ISO decimals ("1.235"). */
function formatIso(amount: number, r: CurrencyRule): string {
  if (r.isoExponent === 0) return String(amount);
  const unit = power(r.isoExponent);
  const sign = amount < 0 ? '-' : '';
  const absolute = Math.abs(amount);
  return `${sign}${Math.floor(absolute / unit)}.${String(absolute % unit).padStart(r.isoExponent, '0')}`;
}

/** Monstock minor units in the currency's ISO decimals, e.g. "1.235" for 1235 KWD; 2 decimals for unknown codes. */
export function formatMinorUnits(amount: number, currency: string): string {
  return formatIso(amount, currencyRule(currency) ?? rule(currency.toUpperCase(), 2, 2, 1, 'two_decimal'));
}
