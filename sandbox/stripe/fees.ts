import type { FeeDetail, PaymentMethodType } from './types';

/**
 * Stripe's processing fees as this sandbox charges them. The sandbox account is a European one,
 * so the currency stands in for where the card comes from:
 *   - card, EUR:          1.5% + 25 (minor units), Stripe's standard EEA card price;
 *   - card, other:        2.9% + 30, Stripe's US/international card price;
 *   - sepa_debit:         35 flat (€0.35), Stripe's SEPA Direct Debit price;
 * each rounded half-up to a whole minor unit (Math.round on the exact amount). Zero-decimal
 * currencies (JPY, KRW, ...) get the percentage only: a "25 cents" part has no meaning there.
 * Dispute fee: 1500 minor units (15.00 EUR/USD), charged when a dispute opens and given back
 * when it is won, as Stripe does; zero-decimal currencies use 1500 whole units (¥1500).
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

export function isZeroDecimal(currency: string): boolean {
  return ZERO_DECIMAL.has(currency.toLowerCase());
}

export interface ProcessingFee {
  fee: number;
  fee_details: FeeDetail[];
}

export function feeRate(currency: string, method: PaymentMethodType): { percent: number; fixed: number } {
  if (method === 'sepa_debit') return { percent: 0, fixed: isZeroDecimal(currency) ? 0 : 35 };
  const eur = currency.toLowerCase() === 'eur';
  return { percent: eur ? 1.5 : 2.9, fixed: isZeroDecimal(currency) ? 0 : eur ? 25 : 30 };
}

export function processingFee(amount: number, currency: string, method: PaymentMethodType): ProcessingFee {
  if (!Number.isInteger(amount) || amount < 0)
    throw new RangeError(`amount must be a non-negative integer, got ${amount}`);
  const rate = feeRate(currency, method);
  // Integer arithmetic in hundredths of a percent avoids 1.5% drifting through floating point.
  const fee = Math.round((amount * Math.round(rate.percent * 100)) / 10_000) + rate.fixed;
  return {
    fee,
    fee_details:
      fee === 0
        ? []
        : [
            {
              amount: fee,
              application: null,
              currency: currency.toLowerCase(),
              description: 'Stripe processing fees',
              type: 'stripe_fee',
            },
          ],
  };
}

export const DISPUTE_FEE = 1500;

export function disputeFee(_currency: string): number {
  return DISPUTE_FEE;
}

/** Stripe's default payout schedule for a new European account: funds available after 7 days. */
export const AVAILABLE_AFTER_SECONDS = 7 * 24 * 60 * 60;

/** `available_on` is midnight UTC of the day the funds become available, as Stripe reports it. */
export function availableOn(createdSeconds: number): number {
  const day = 24 * 60 * 60;
  return Math.ceil((createdSeconds + AVAILABLE_AFTER_SECONDS) / day) * day;
}
