import type { ChargeSnapshot, PaymentIntentSnapshot } from '../../src/payments/paymentIntentSnapshot';

/** A fixed moment for snapshot fixtures (Stripe seconds). */
export const T0 = 1_790_000_000;

/** A succeeded card charge of EUR 42.00, fee and net known; override what a test is about. */
export function charge(overrides: Partial<ChargeSnapshot> = {}): ChargeSnapshot {
  return {
    id: 'ch_ok',
    status: 'succeeded',
    amount: 4200,
    currency: 'eur',
    created: T0 + 10,
    methodType: 'card',
    methodDetails: 'visa ****4242',
    feeAmount: 88,
    netAmount: 4112,
    ...overrides,
  };
}

/** A succeeded intent of EUR 42.00 with that one charge. */
export function intent(overrides: Partial<PaymentIntentSnapshot> = {}): PaymentIntentSnapshot {
  return {
    id: 'pi_1',
    status: 'succeeded',
    amount: 4200,
    amountReceived: 4200,
    currency: 'eur',
    created: T0,
    latestChargeId: 'ch_ok',
    metadata: {},
    charges: [charge()],
    refunds: [],
    disputes: [],
    ...overrides,
  };
}
