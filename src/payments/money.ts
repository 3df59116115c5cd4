import { formatMinorUnits } from './currencies';

/**
 * Money crosses the border as integers, never floats. The currency code differs in case only
 * (Stripe: "eur", Monstock: "EUR"); the amount may differ in scale: Monstock counts ISO 4217 minor
 * units, Stripe its own smallest unit (ISK 5 is 5 in Monstock, 500 in Stripe). Every crossing goes
 * through toStripeAmount / toMonstockAmount (./currencies), which refuse rather than round.
 */
export {
  CURRENCY_RULES,
  CurrencyAmountError,
  currencyRule,
  toMonstockAmount,
  toStripeAmount,
  type CurrencyRule,
  type StripeCurrencyClass,
} from './currencies';

export function toMonstockCurrency(stripeCurrency: string): string {
  return stripeCurrency.toUpperCase();
}

export function toStripeCurrency(monstockCurrency: string): string {
  return monstockCurrency.toLowerCase();
}

/** For people, not for arithmetic: Monstock minor units in ISO decimals, "42.00 EUR", "4200 JPY", "1.235 KWD". */
export function formatAmount(amount: number, currency: string): string {
  if (!Number.isInteger(amount)) throw new Error(`amount must be an integer of minor units, got ${amount}`);
  return `${formatMinorUnits(amount, currency)} ${currency.toUpperCase()}`;
}
