import {
  CURRENCY_RULES,
  CurrencyAmountError,
  currencyRule,
  formatAmount,
  toMonstockAmount,
  toStripeAmount,
} from '../../src/payments/money';

const SAMPLES = [0, 1, 7, 10, 99, 100, 101, 999, 1000, 12345, 123_456_789, 9_000_000_000_000];

/** The smallest Monstock amount step a currency admits: Stripe's step expressed in ISO minor units. */
function monstockStep(code: string): number {
  const rule = currencyRule(code)!;
  const shift = rule.stripeExponent - rule.isoExponent;
  return shift >= 0 ? Math.max(1, rule.stripeStep / 10 ** shift) : rule.stripeStep * 10 ** -shift;
}

describe('currency table', () => {
  it('lists every Stripe presentment currency, once, with sane rules', () => {
    expect(CURRENCY_RULES.size).toBeGreaterThanOrEqual(135);
    for (const [code, rule] of CURRENCY_RULES) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect(rule.code).toBe(code);
      expect([0, 2, 3]).toContain(rule.isoExponent);
      expect([0, 2, 3]).toContain(rule.stripeExponent);
      expect([1, 10, 100]).toContain(rule.stripeStep);
    }
  });

  it.each([
    ['JPY', 0, 0, 1],
    ['KRW', 0, 0, 1],
    ['CLP', 0, 0, 1],
    ['VND', 0, 0, 1],
    ['MGA', 2, 0, 1],
    ['ISK', 0, 2, 100],
    ['UGX', 0, 0, 1],
    ['HUF', 2, 2, 1],
    ['TWD', 2, 2, 1],
    ['BHD', 3, 3, 10],
    ['JOD', 3, 3, 10],
    ['KWD', 3, 3, 10],
    ['OMR', 3, 3, 10],
    ['TND', 3, 3, 10],
    ['EUR', 2, 2, 1],
    ['USD', 2, 2, 1],
  ])('%s: ISO %i decimals, Stripe %i decimals, Stripe step %i', (code, iso, stripe, step) => {
    expect(currencyRule(code)).toMatchObject({ isoExponent: iso, stripeExponent: stripe, stripeStep: step });
    expect(currencyRule(code.toLowerCase())?.code).toBe(code);
  });
});

describe.each([...CURRENCY_RULES.keys()])('%s round trip', (code) => {
  it('never loses a minor unit for any amount the currency admits', () => {
    const step = monstockStep(code);
    for (const sample of SAMPLES) {
      const amount = sample * step;
      if (!Number.isSafeInteger(amount * 100)) continue;
      const stripe = toStripeAmount(amount, code);
      expect(Number.isSafeInteger(stripe)).toBe(true);
      expect(stripe % currencyRule(code)!.stripeStep).toBe(0);
      expect(toMonstockAmount(stripe, code)).toBe(amount);
      expect(toMonstockAmount(stripe, code.toLowerCase())).toBe(amount);
    }
  });

  it('refuses, never rounds, an amount between two admitted ones', () => {
    const step = monstockStep(code);
    if (step === 1) return; // every integer is admitted
    expect(() => toStripeAmount(step + 1, code)).toThrow(CurrencyAmountError);
  });
});

describe('explicit conversions (Monstock minor units → Stripe amount)', () => {
  it.each([
    ['EUR', 4200, 4200],
    ['USD', 5, 5],
    ['JPY', 500, 500],
    ['KRW', 15000, 15000],
    ['ISK', 5, 500],
    ['UGX', 3700, 3700], // on Stripe's zero-decimal list: unchanged
    ['HUF', 1045, 1045], // HUF 10.45: charges may carry fillér (only payouts are whole forints)
    ['TWD', 1099, 1099],
    ['BHD', 1230, 1230],
    ['KWD', 5120, 5120],
    ['JOD', 10, 10],
    ['OMR', 1000, 1000],
    ['TND', 99990, 99990],
    ['MGA', 500000, 5000],
  ])('%s %i → %i', (code, monstock, stripe) => {
    expect(toStripeAmount(monstock, code)).toBe(stripe);
    expect(toMonstockAmount(stripe, code.toLowerCase())).toBe(monstock);
  });
});

describe('refusals', () => {
  it('refuses KWD 1.235: Stripe wants the last digit 0, and nothing is rounded', () => {
    expect(() => toStripeAmount(1235, 'KWD')).toThrow(
      /1\.235 KWD cannot be charged by Stripe.*multiple of 0\.010 KWD.*not rounded/,
    );
    for (const code of ['BHD', 'JOD', 'OMR', 'TND'])
      expect(() => toStripeAmount(5124, code)).toThrow(CurrencyAmountError);
  });

  it('refuses a fraction of an ariary (Stripe takes whole MGA)', () => {
    expect(() => toStripeAmount(150, 'MGA')).toThrow(/1\.50 MGA has a fraction/);
  });

  it('refuses a Stripe ISK amount with decimals (fractional króna from before 2023)', () => {
    expect(() => toMonstockAmount(550, 'isk')).toThrow(/Stripe amount 550 ISK has a fraction/);
    expect(() => toMonstockAmount(1, 'isk')).toThrow(CurrencyAmountError);
  });

  it('refuses unknown currencies and non-integers, both ways', () => {
    expect(() => toStripeAmount(100, 'XXX')).toThrow(/XXX is not a currency Stripe takes/);
    expect(() => toMonstockAmount(100, 'euro')).toThrow(CurrencyAmountError);
    expect(() => toStripeAmount(1.5, 'EUR')).toThrow(/integer/);
    expect(() => toMonstockAmount(Number.NaN, 'eur')).toThrow(/integer/);
  });

  it('names the currency, amount and direction on the error', () => {
    try {
      toStripeAmount(1235, 'kwd');
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(CurrencyAmountError);
      expect(error).toMatchObject({ currency: 'KWD', amount: 1235, direction: 'to_stripe' });
    }
  });
});

describe('formatAmount uses ISO decimals (Monstock minor units)', () => {
  it.each([
    [4200, 'eur', '42.00 EUR'],
    [4200, 'JPY', '4200 JPY'],
    [1235, 'KWD', '1.235 KWD'],
    [5, 'ISK', '5 ISK'],
    [-150, 'EUR', '-1.50 EUR'],
  ])('%i %s → %s', (amount, code, shown) => {
    expect(formatAmount(amount, code)).toBe(shown);
  });
});
