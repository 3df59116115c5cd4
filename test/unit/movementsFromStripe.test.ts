import type { Payment } from '../../src/monstock/schemas';
import { disputeStatus, movementsFromStripe, movementsToWrite } from '../../src/payments/movementsFromStripe';
import { formatAmount, toMonstockCurrency, toStripeCurrency } from '../../src/payments/money';
import { charge, intent, T0 } from '../support/snapshots';

function recordedFrom(movements: ReturnType<typeof movementsFromStripe>): Payment[] {
  return movements.map((movement, index) => ({
    ...movement,
    id: `pay_${index}`,
    recordedAt: '2026-11-27T00:00:00.000Z',
  }));
}

describe('movementsFromStripe', () => {
  it('turns a card payment into one succeeded movement with method, fee and net', () => {
    expect(movementsFromStripe(intent())).toEqual([
      {
        kind: 'payment',
        transactionRef: 'pi_1',
        amount: 4200,
        currency: 'EUR',
        status: 'succeeded',
        occurredAt: new Date((T0 + 10) * 1000).toISOString(),
        method: 'card',
        methodDetails: 'visa ****4242',
        feeAmount: 88,
        netAmount: 4112,
      },
    ]);
  });

  it('records a decline then a success as one failed attempt and one payment', () => {
    const declined = charge({
      id: 'ch_declined',
      status: 'failed',
      created: T0 + 5,
      failureCode: 'card_declined',
      declineCode: 'generic_decline',
      failureMessage: 'Your card was declined.',
      feeAmount: undefined,
      netAmount: undefined,
    });
    const movements = movementsFromStripe(intent({ charges: [declined, charge()] }));
    expect(movements.map((m) => [m.transactionRef, m.status])).toEqual([
      ['pi_1', 'succeeded'],
      ['ch_declined', 'failed'],
    ]);
    expect(movements[1]!.failureReason).toBe('card_declined/generic_decline: Your card was declined.');
  });

  it('shows a SEPA payment pending while processing, then succeeded on the same line', () => {
    const processing = intent({
      status: 'processing',
      amountReceived: 0,
      charges: [
        charge({
          status: 'pending',
          methodType: 'sepa_debit',
          methodDetails: 'sepa_debit ****3000',
          feeAmount: undefined,
        }),
      ],
    });
    const pending = movementsFromStripe(processing);
    expect(pending).toEqual([
      expect.objectContaining({ transactionRef: 'pi_1', status: 'pending', amount: 4200, method: 'sepa_debit' }),
    ]);
    const settled = movementsFromStripe(
      intent({ charges: [charge({ methodType: 'sepa_debit', methodDetails: 'sepa_debit ****3000' })] }),
      recordedFrom(pending),
    );
    expect(settled).toEqual([expect.objectContaining({ transactionRef: 'pi_1', status: 'succeeded' })]);
    expect(movementsToWrite(settled, recordedFrom(pending))).toHaveLength(1);
  });

  it('turns a SEPA payment shown as pending that fails into a failed payment line, not a second line', () => {
    const pending = movementsFromStripe(
      intent({
        status: 'processing',
        amountReceived: 0,
        charges: [charge({ status: 'pending', feeAmount: undefined })],
      }),
    );
    const failedIntent = intent({
      status: 'requires_payment_method',
      amountReceived: 0,
      charges: [charge({ status: 'failed', failureCode: 'insufficient_funds', feeAmount: undefined })],
    });
    const afterFailure = movementsFromStripe(failedIntent, recordedFrom(pending));
    expect(afterFailure).toEqual([
      expect.objectContaining({ transactionRef: 'pi_1', status: 'failed', failureReason: 'insufficient_funds' }),
    ]);
    // Seen again later (a redelivered event): still one line.
    expect(movementsFromStripe(failedIntent, recordedFrom(afterFailure))).toEqual([
      expect.objectContaining({ transactionRef: 'pi_1', status: 'failed' }),
    ]);
  });

  describe('payments waiting on the customer or the bank', () => {
    const threeDs = intent({ status: 'requires_action', amountReceived: 0, latestChargeId: undefined, charges: [] });

    it('shows a 3-D Secure payment mid-authentication as pending, requires_action', () => {
      expect(movementsFromStripe(threeDs)).toEqual([
        {
          kind: 'payment',
          transactionRef: 'pi_1',
          amount: 4200,
          currency: 'EUR',
          status: 'pending',
          pendingReason: 'requires_action',
          occurredAt: new Date(T0 * 1000).toISOString(),
        },
      ]);
    });

    it('marks a processing payment (SEPA) and a pending charge as pending, processing', () => {
      const sepa = intent({
        status: 'processing',
        amountReceived: 0,
        charges: [charge({ status: 'pending', methodType: 'sepa_debit', feeAmount: undefined, netAmount: undefined })],
      });
      expect(movementsFromStripe(sepa)[0]).toMatchObject({ status: 'pending', pendingReason: 'processing' });
      const pendingCharge = intent({ charges: [charge({ status: 'pending' })] });
      expect(movementsFromStripe(pendingCharge)[0]).toMatchObject({ status: 'pending', pendingReason: 'processing' });
    });

    it('never puts a pendingReason on a settled or failed payment', () => {
      const recorded = recordedFrom(movementsFromStripe(threeDs));
      const paid = movementsFromStripe(intent(), recorded);
      expect(paid[0]).toMatchObject({ status: 'succeeded' });
      expect(paid[0]).not.toHaveProperty('pendingReason');
      const failed = movementsFromStripe(
        intent({ status: 'requires_payment_method', amountReceived: 0, latestChargeId: undefined, charges: [] }),
        recorded,
      );
      expect(failed).toEqual([expect.objectContaining({ transactionRef: 'pi_1', status: 'failed' })]);
      expect(failed[0]).not.toHaveProperty('pendingReason');
    });

    it('writes the status change once authentication succeeds or fails', () => {
      const recorded = recordedFrom(movementsFromStripe(threeDs));
      expect(movementsToWrite(movementsFromStripe(threeDs, recorded), recorded)).toEqual([]);
      expect(movementsToWrite(movementsFromStripe(intent(), recorded), recorded)).toEqual([
        expect.objectContaining({ transactionRef: 'pi_1', status: 'succeeded' }),
      ]);
      const failedIntent = intent({ status: 'requires_payment_method', amountReceived: 0, charges: [] });
      expect(movementsToWrite(movementsFromStripe(failedIntent, recorded), recorded)).toEqual([
        expect.objectContaining({ transactionRef: 'pi_1', status: 'failed' }),
      ]);
    });

    it("gives a failed authentication Stripe's reason from the intent, which has no charge", () => {
      const recorded = recordedFrom(movementsFromStripe(threeDs));
      const failedIntent = intent({
        status: 'requires_payment_method',
        amountReceived: 0,
        latestChargeId: undefined,
        charges: [],
        lastPaymentError: { code: 'payment_intent_authentication_failure', message: 'The card failed authentication.' },
      });
      expect(movementsFromStripe(failedIntent, recorded)).toEqual([
        expect.objectContaining({
          transactionRef: 'pi_1',
          status: 'failed',
          failureReason: 'payment_intent_authentication_failure: The card failed authentication.',
        }),
      ]);
      // A failed charge's own reason comes first: it is the attempt the customer made.
      const bounced = intent({
        status: 'requires_payment_method',
        amountReceived: 0,
        charges: [charge({ status: 'failed', failureCode: 'insufficient_funds', feeAmount: undefined })],
        lastPaymentError: { code: 'card_declined', declineCode: 'insufficient_funds' },
      });
      expect(movementsFromStripe(bounced, recorded)[0]).toMatchObject({ failureReason: 'insufficient_funds' });

      // A failed line written without the reason gets it once, then nothing more is written.
      const failedWithout = recordedFrom(movementsFromStripe(failedIntent, recorded)).map(
        ({ failureReason: _reason, ...payment }) => payment,
      );
      expect(movementsToWrite(movementsFromStripe(failedIntent, failedWithout), failedWithout)).toEqual([
        expect.objectContaining({ transactionRef: 'pi_1', failureReason: expect.any(String) }),
      ]);
      const failedWith = recordedFrom(movementsFromStripe(failedIntent, recorded));
      expect(movementsToWrite(movementsFromStripe(failedIntent, failedWith), failedWith)).toEqual([]);
    });

    it('writes a new reason on a pending line (authenticated, now processing), and a missing one', () => {
      const recorded = recordedFrom(movementsFromStripe(threeDs));
      const processing = intent({ status: 'processing', amountReceived: 0, charges: [charge({ status: 'pending' })] });
      expect(movementsToWrite(movementsFromStripe(processing, recorded), recorded)).toEqual([
        expect.objectContaining({ status: 'pending', pendingReason: 'processing' }),
      ]);
      const withoutReason = recorded.map(({ pendingReason: _reason, ...payment }) => payment);
      expect(movementsToWrite(movementsFromStripe(threeDs, withoutReason), withoutReason)).toHaveLength(1);
    });
  });

  it.each([
    ['pending', 'pending'],
    ['requires_action', 'pending'],
    ['succeeded', 'succeeded'],
    ['failed', 'failed'],
    ['canceled', 'failed'],
  ])('maps a refund in status %s to %s', (stripeStatus, expected) => {
    const movements = movementsFromStripe(
      intent({ refunds: [{ id: 're_1', status: stripeStatus, amount: 2100, currency: 'eur', created: T0 + 60 }] }),
    );
    expect(movements[1]).toMatchObject({
      kind: 'refund',
      transactionRef: 're_1',
      amount: 2100,
      currency: 'EUR',
      status: expected,
    });
  });

  it.each([
    ['warning_needs_response', 'needs_response'],
    ['needs_response', 'needs_response'],
    ['under_review', 'needs_response'],
    ['warning_under_review', 'needs_response'],
    ['won', 'won'],
    ['warning_closed', 'won'],
    ['lost', 'lost'],
  ])('maps a dispute in status %s to %s', (stripeStatus, expected) => {
    expect(disputeStatus(stripeStatus)).toBe(expected);
    const movements = movementsFromStripe(
      intent({
        disputes: [
          { id: 'dp_1', status: stripeStatus, amount: 4200, currency: 'eur', created: T0 + 90, reason: 'fraudulent' },
        ],
      }),
    );
    expect(movements[1]).toMatchObject({ kind: 'dispute', transactionRef: 'dp_1', status: expected });
  });

  it('keeps zero-decimal amounts as they are', () => {
    const yen = intent({
      currency: 'jpy',
      amount: 5000,
      amountReceived: 5000,
      charges: [charge({ currency: 'jpy', amount: 5000, feeAmount: 180, netAmount: 4820 })],
    });
    expect(movementsFromStripe(yen)[0]).toMatchObject({
      amount: 5000,
      currency: 'JPY',
      feeAmount: 180,
      netAmount: 4820,
    });
  });

  it('records nothing for an intent that never had a charge', () => {
    expect(
      movementsFromStripe(
        intent({ status: 'requires_payment_method', amountReceived: 0, charges: [], latestChargeId: undefined }),
      ),
    ).toEqual([]);
  });
});

describe('movementsToWrite', () => {
  it('writes only what Monstock does not show yet', () => {
    const desired = movementsFromStripe(
      intent({ refunds: [{ id: 're_1', status: 'succeeded', amount: 100, currency: 'eur', created: T0 }] }),
    );
    const recorded = recordedFrom(desired);
    expect(movementsToWrite(desired, recorded)).toEqual([]);
    expect(movementsToWrite(desired, recorded.slice(0, 1)).map((m) => m.transactionRef)).toEqual(['re_1']);
    const withoutFee = recorded.map((payment) => ({ ...payment, feeAmount: undefined, netAmount: undefined }));
    expect(movementsToWrite(desired, withoutFee).map((m) => m.transactionRef)).toEqual(['pi_1']);
  });
});

describe('money', () => {
  it.each([
    [4200, 'eur', '42.00 EUR'],
    [5, 'usd', '0.05 USD'],
    [-150, 'EUR', '-1.50 EUR'],
    [4200, 'jpy', '4200 JPY'],
  ])('formats %i %s as %s', (amount, currency, expected) => {
    expect(formatAmount(amount, currency)).toBe(expected);
  });

  it('converts currency codes both ways and refuses fractional amounts', () => {
    expect(toMonstockCurrency('eur')).toBe('EUR');
    expect(toStripeCurrency('EUR')).toBe('eur');
    expect(() => formatAmount(1.5, 'eur')).toThrow(/integer/);
  });
});

describe('movementsFromStripe in currencies whose Stripe unit is not ISO', () => {
  it('writes ISK in whole krónur (Stripe 500 → Monstock 5), fee and net too', () => {
    const isk = intent({
      currency: 'isk',
      amount: 500_000,
      amountReceived: 500_000,
      charges: [charge({ currency: 'isk', amount: 500_000, feeAmount: 12_300, netAmount: 487_700 })],
      refunds: [{ id: 're_isk', status: 'succeeded', amount: 100_000, currency: 'isk', created: T0 + 20 }],
      disputes: [{ id: 'dp_isk', status: 'needs_response', amount: 200_000, currency: 'isk', created: T0 + 30 }],
    });
    const [payment, refund, dispute] = movementsFromStripe(isk);
    expect(payment).toMatchObject({ amount: 5000, currency: 'ISK', feeAmount: 123, netAmount: 4877 });
    expect(refund).toMatchObject({ amount: 1000, currency: 'ISK' });
    expect(dispute).toMatchObject({ amount: 2000, currency: 'ISK' });
  });

  it('passes JPY and KWD through unchanged (same unit on both sides), net from fee when Stripe gave none', () => {
    const jpy = intent({
      currency: 'jpy',
      amount: 4200,
      amountReceived: 4200,
      charges: [charge({ currency: 'jpy', feeAmount: 150, netAmount: undefined })],
    });
    expect(movementsFromStripe(jpy)[0]).toMatchObject({
      amount: 4200,
      currency: 'JPY',
      feeAmount: 150,
      netAmount: 4050,
    });
    const kwd = intent({
      currency: 'kwd',
      amount: 5120,
      amountReceived: 5120,
      charges: [charge({ currency: 'kwd', amount: 5120, feeAmount: 150, netAmount: 4970 })],
    });
    expect(movementsFromStripe(kwd)[0]).toMatchObject({
      amount: 5120,
      currency: 'KWD',
      feeAmount: 150,
      netAmount: 4970,
    });
  });

  it('writes an ISK payment without fee and net when the fee has a fraction of a króna (not rounded)', () => {
    const isk = intent({
      currency: 'isk',
      amount: 500_000,
      amountReceived: 500_000,
      charges: [charge({ currency: 'isk', amount: 500_000, feeAmount: 14_530, netAmount: 485_470 })],
    });
    const [payment] = movementsFromStripe(isk);
    expect(payment).toMatchObject({ amount: 5000, currency: 'ISK', status: 'succeeded' });
    expect(payment).not.toHaveProperty('feeAmount');
    expect(payment).not.toHaveProperty('netAmount');
  });

  it('refuses, rather than rounds, a Stripe ISK amount with decimals', () => {
    const fractional = intent({
      currency: 'isk',
      amount: 550,
      amountReceived: 550,
      charges: [charge({ currency: 'isk', amount: 550 })],
    });
    expect(() => movementsFromStripe(fractional)).toThrow(/550 ISK has a fraction/);
  });
});

describe('fee and net in the settlement currency', () => {
  const usdSettlingInEur = intent({
    amount: 5000,
    amountReceived: 5000,
    currency: 'usd',
    charges: [charge({ amount: 5000, currency: 'usd', feeAmount: 161, netAmount: 4439, settlementCurrency: 'eur' })],
  });

  it('writes fee and net of a USD charge settling in EUR in euro cents, naming EUR', () => {
    const [payment] = movementsFromStripe(usdSettlingInEur);
    expect(payment).toMatchObject({
      amount: 5000,
      currency: 'USD',
      feeAmount: 161,
      netAmount: 4439,
      settlementCurrency: 'EUR',
    });
  });

  it('names no settlement currency when the charge settles in its own currency', () => {
    const [payment] = movementsFromStripe(intent({ charges: [charge({ settlementCurrency: 'eur' })] }));
    expect(payment).toMatchObject({ currency: 'EUR', feeAmount: 88, netAmount: 4112 });
    expect(payment).not.toHaveProperty('settlementCurrency');
  });

  it('converts fee and net in the settlement currency unit (USD charge settling in ISK)', () => {
    const [payment] = movementsFromStripe(
      intent({
        currency: 'usd',
        charges: [charge({ currency: 'usd', feeAmount: 12_300, netAmount: 487_700, settlementCurrency: 'isk' })],
      }),
    );
    expect(payment).toMatchObject({ currency: 'USD', feeAmount: 123, netAmount: 4877, settlementCurrency: 'ISK' });
  });

  it('writes no fee without net in another currency (amount less fee would mix currencies)', () => {
    const [payment] = movementsFromStripe(
      intent({
        currency: 'usd',
        charges: [charge({ currency: 'usd', netAmount: undefined, settlementCurrency: 'eur' })],
      }),
    );
    expect(payment).not.toHaveProperty('feeAmount');
    expect(payment).not.toHaveProperty('settlementCurrency');
  });

  it('writes the settlement currency once on a movement recorded without it', () => {
    const desired = movementsFromStripe(usdSettlingInEur);
    const without = recordedFrom(desired).map(({ settlementCurrency: _dropped, ...payment }) => payment);
    expect(movementsToWrite(desired, without)).toEqual(desired);
    expect(movementsToWrite(desired, recordedFrom(desired))).toEqual([]);
  });
});
