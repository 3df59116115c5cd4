import { ApplicationFailure } from '@temporalio/common';
import { CurrencyAmountError } from '../../payments/money';

/**
 * An amount that cannot cross between Monstock and Stripe exactly (KWD 1.235: Stripe wants the last
 * digit 0) will not heal on retry and must not be rounded silently: a non-retryable failure, so
 * the order's workflow parks it for a person (NeedsAttention), with the reason in plain words.
 */
export const AMOUNT_NOT_CONVERTIBLE = 'AmountNotConvertible';

export async function withAmountFailures<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (!(error instanceof CurrencyAmountError)) throw error;
    throw ApplicationFailure.create({
      type: AMOUNT_NOT_CONVERTIBLE,
      message: error.message,
      nonRetryable: true,
      details: [{ currency: error.currency, amount: error.amount, direction: error.direction }],
    });
  }
}
