/**
 * Money crosses the border as integer minor units on both sides; only the currency code's case
 * differs (Stripe: "eur", Monstock: "EUR"). Zero-decimal currencies (JPY, KRW, ...) are whole
 * units on both sides, so amounts pass unchanged: no float ever touches an amount.
 */
const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);

export function toMonstockCurrency(stripeCurrency: string): string {
  return stripeCurrency.toUpperCase();
}

export function toStripeCurrency(monstockCurrency: string): string {
  return monstockCurrency.toLowerCase();
}

export function isZeroDecimal(currency: string): boolean {
  return ZERO_DECIMAL.has(currency.toLowerCase());
}

/** For people, not for arithmetic: "42.00 EUR", "4200 JPY". */
export function formatAmount(amount: number, currency: string): string {
  if (!Number.isInteger(amount)) throw new Error(`amount must be an integer of minor units, got ${amount}`);
  const code = currency.toUpperCase();
  if (isZeroDecimal(currency)) return `${amount} ${code}`;
  const sign = amount < 0 ? '-' : '';
  const absolute = Math.abs(amount);
  return `${sign}${Math.floor(absolute / 100)}.${String(absolute % 100).padStart(2, '0')} ${code}`;
}
