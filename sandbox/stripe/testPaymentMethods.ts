import type { CardDetails, PaymentMethodType, SepaDebitDetails } from './types';

/**
 * Stripe's test-mode PaymentMethod ids and what each one does when confirmed. Confirming with
 * one of these makes a fresh `pm_...` object (as Stripe does), whose stored behaviour then
 * drives every later confirmation with it.
 */
export type TestBehaviour =
  | { kind: 'succeed' }
  | {
      kind: 'decline';
      code: string;
      declineCode: string;
      message: string;
      outcomeReason: string;
      sellerMessage: string;
    }
  | { kind: 'dispute'; reason: string }
  /** Bank debits: `processing` first, settled later (or failed through the admin route). */
  | { kind: 'async' }
  /**
   * 3-D Secure: `requires_action` until the customer authenticates, which the admin route
   * `POST /_sandbox/payment_intents/:id/authenticate` plays (succeed or fail).
   */
  | { kind: 'authenticate' };

export interface TestPaymentMethod {
  type: PaymentMethodType;
  card?: CardDetails;
  sepaDebit?: SepaDebitDetails;
  behaviour: TestBehaviour;
}

const card = (
  brand: string,
  last4: string,
  funding: CardDetails['funding'] = 'credit',
  country = 'US',
): CardDetails => ({
  brand,
  last4,
  exp_month: 12,
  exp_year: new Date().getUTCFullYear() + 3,
  funding,
  country,
  // Stable per card number, as Stripe's fingerprints are.
  fingerprint: `sbx${brand.slice(0, 4)}${last4}${country}`.padEnd(16, '0').slice(0, 16),
});

const GENERIC_DECLINE = 'Your card was declined.';

const decline = (
  declineCode: string,
  options: { code?: string; message?: string; sellerMessage?: string } = {},
): TestBehaviour => ({
  kind: 'decline',
  code: options.code ?? 'card_declined',
  declineCode,
  message: options.message ?? GENERIC_DECLINE,
  outcomeReason: declineCode,
  sellerMessage: options.sellerMessage ?? 'The bank did not return any further details with this decline.',
});

const sepa: SepaDebitDetails = {
  bank_code: '37040044',
  branch_code: '',
  country: 'DE',
  fingerprint: 'sbxsepaDE89300000',
  last4: '3000',
};

export const TEST_PAYMENT_METHODS: Readonly<Record<string, TestPaymentMethod>> = {
  pm_card_visa: { type: 'card', card: card('visa', '4242'), behaviour: { kind: 'succeed' } },
  pm_card_visa_debit: { type: 'card', card: card('visa', '5556', 'debit'), behaviour: { kind: 'succeed' } },
  pm_card_mastercard: { type: 'card', card: card('mastercard', '4444'), behaviour: { kind: 'succeed' } },
  pm_card_amex: { type: 'card', card: card('amex', '8431'), behaviour: { kind: 'succeed' } },
  pm_card_fr: { type: 'card', card: card('visa', '0003', 'credit', 'FR'), behaviour: { kind: 'succeed' } },
  pm_card_de: { type: 'card', card: card('visa', '0016', 'credit', 'DE'), behaviour: { kind: 'succeed' } },
  pm_card_chargeDeclined: { type: 'card', card: card('visa', '0002'), behaviour: decline('generic_decline') },
  pm_card_chargeDeclinedInsufficientFunds: {
    type: 'card',
    card: card('visa', '9995'),
    behaviour: decline('insufficient_funds', {
      message: 'Your card has insufficient funds.',
      sellerMessage: 'The bank returned the decline code `insufficient_funds`.',
    }),
  },
  pm_card_chargeDeclinedFraudulent: { type: 'card', card: card('visa', '0019'), behaviour: decline('fraudulent') },
  pm_card_chargeDeclinedExpiredCard: {
    type: 'card',
    card: card('visa', '0069'),
    behaviour: decline('expired_card', { code: 'expired_card', message: 'Your card has expired.' }),
  },
  pm_card_chargeDeclinedProcessingError: {
    type: 'card',
    card: card('visa', '0119'),
    behaviour: decline('processing_error', {
      code: 'processing_error',
      message: 'An error occurred while processing your card. Try again in a little bit.',
    }),
  },
  pm_card_createDispute: {
    type: 'card',
    card: card('visa', '0259'),
    behaviour: { kind: 'dispute', reason: 'fraudulent' },
  },
  pm_card_threeDSecure2Required: {
    type: 'card',
    card: card('visa', '3220'),
    behaviour: { kind: 'authenticate' },
  },
  pm_sepaDebit: { type: 'sepa_debit', sepaDebit: sepa, behaviour: { kind: 'async' } },
  pm_sepa_debit: { type: 'sepa_debit', sepaDebit: sepa, behaviour: { kind: 'async' } },
};

export function testPaymentMethod(token: string): TestPaymentMethod | undefined {
  return Object.prototype.hasOwnProperty.call(TEST_PAYMENT_METHODS, token) ? TEST_PAYMENT_METHODS[token] : undefined;
}
