import type { Payment } from '../../src/monstock/schemas';
import { movementsFromStripe, movementsToWrite } from '../../src/payments/movementsFromStripe';
import type { PaymentIntentSnapshot } from '../../src/payments/paymentIntentSnapshot';
import type { PaymentMovement } from '../../src/shared/orderPayment';
import { charge, intent, T0 } from '../support/snapshots';

const heldCharge = charge({
  id: 'ch_held',
  captured: false,
  captureBefore: T0 + 7 * 86_400,
  feeAmount: undefined,
  netAmount: undefined,
  settlementCurrency: undefined,
});
const held = (overrides: Partial<PaymentIntentSnapshot> = {}): PaymentIntentSnapshot =>
  intent({
    status: 'requires_capture',
    amountReceived: 0,
    amountCapturable: 4200,
    latestChargeId: 'ch_held',
    charges: [heldCharge],
    ...overrides,
  });
const recorded = (status: Payment['status'], amount = 4200): Payment[] => [
  {
    kind: 'payment',
    transactionRef: 'pi_1',
    amount,
    currency: 'EUR',
    status,
    occurredAt: new Date((T0 + 10) * 1000).toISOString(),
    provider: 'stripe',
    id: 'pay_1',
    recordedAt: '2026-11-27T00:00:00.000Z',
  },
];
const base = {
  kind: 'payment',
  transactionRef: 'pi_1',
  currency: 'EUR',
  occurredAt: new Date((T0 + 10) * 1000).toISOString(),
  method: 'card',
  methodDetails: 'visa ****4242',
} as const;

describe('movementsFromStripe: capture at shipment', () => {
  it.each<[string, PaymentIntentSnapshot, Payment[], PaymentMovement[]]>([
    [
      'authorised: authorized for the amount capturable, no fee or net',
      held(),
      [],
      [{ ...base, amount: 4200, status: 'authorized' }],
    ],
    [
      'captured in full: succeeded with fee and net',
      intent({ charges: [charge({ captured: true })] }),
      recorded('authorized'),
      [{ ...base, amount: 4200, status: 'succeeded', feeAmount: 88, netAmount: 4112 }],
    ],
    [
      'captured in part: succeeded with the amount captured (the rest released)',
      intent({ amountReceived: 3000, charges: [charge({ captured: true, feeAmount: 70, netAmount: 2930 })] }),
      recorded('authorized'),
      [{ ...base, amount: 3000, status: 'succeeded', feeAmount: 70, netAmount: 2930 }],
    ],
    [
      'released by the merchant: canceled, authorization_released',
      held({ status: 'canceled', amountCapturable: 0, cancellationReason: 'abandoned' }),
      recorded('authorized'),
      [{ ...base, amount: 4200, status: 'canceled', failureReason: 'authorization_released' }],
    ],
    [
      'lapsed: canceled, authorization_expired',
      held({ status: 'canceled', amountCapturable: 0, cancellationReason: 'automatic' }),
      recorded('authorized'),
      [{ ...base, amount: 4200, status: 'canceled', failureReason: 'authorization_expired' }],
    ],
    [
      'lapsed before Monstock saw the authorisation: the uncaptured charge tells',
      held({ status: 'canceled', amountCapturable: 0, cancellationReason: 'automatic' }),
      [],
      [{ ...base, amount: 4200, status: 'canceled', failureReason: 'authorization_expired' }],
    ],
    [
      'an intent cancelled before anyone paid: nothing to show',
      intent({ status: 'canceled', amountReceived: 0, charges: [], cancellationReason: 'abandoned' }),
      [],
      [],
    ],
  ])('%s', (_label, snapshot, shown, expected) => {
    expect(movementsFromStripe(snapshot, shown)).toEqual(expected);
  });

  it('writes each step once: authorized, then succeeded, then nothing more', () => {
    const authorisedMovements = movementsFromStripe(held());
    expect(movementsToWrite(authorisedMovements, [])).toHaveLength(1);
    expect(movementsToWrite(authorisedMovements, recorded('authorized'))).toEqual([]);
    const captured = movementsFromStripe(intent({ charges: [charge({ captured: true })] }), recorded('authorized'));
    expect(movementsToWrite(captured, recorded('authorized')).map((m) => m.status)).toEqual(['succeeded']);
    expect(movementsToWrite(captured, [{ ...recorded('succeeded')[0]!, feeAmount: 88, netAmount: 4112 }])).toEqual([]);
  });
});
