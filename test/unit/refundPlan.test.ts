import { planRefund, requestOutcome, type RefundableIntent } from '../../src/payments/refundPlan';

const intent = (
  id: string,
  created: number,
  captured: number,
  refunded = 0,
  refundsForRequest: RefundableIntent['refundsForRequest'] = [],
  currency = 'eur',
): RefundableIntent => ({ paymentIntentId: id, created, currency, captured, refunded, refundsForRequest });

const ask = (amount: number, currency = 'EUR') => ({ id: 'rfq_1', amount, currency });

describe('planRefund', () => {
  it.each([
    ['in full from one intent', ask(4200), [intent('pi_a', 1, 4200)], [{ paymentIntentId: 'pi_a', amount: 4200 }]],
    ['partly', ask(1000), [intent('pi_a', 1, 4200)], [{ paymentIntentId: 'pi_a', amount: 1000 }]],
    [
      'newest intent first, split when one is not enough',
      ask(5000),
      [intent('pi_old', 1, 3000), intent('pi_new', 2, 3000)],
      [
        { paymentIntentId: 'pi_new', amount: 3000 },
        { paymentIntentId: 'pi_old', amount: 2000 },
      ],
    ],
    [
      'what was refunded already (pending included) is not refundable again',
      ask(3000),
      [intent('pi_old', 1, 3000), intent('pi_new', 2, 3000, 2000)],
      [
        { paymentIntentId: 'pi_new', amount: 1000 },
        { paymentIntentId: 'pi_old', amount: 2000 },
      ],
    ],
    [
      'refunds already made for the request count as done (a retry after a crash)',
      ask(5000),
      [intent('pi_old', 1, 3000), intent('pi_new', 2, 3000, 3000, [{ id: 're_1', amount: 3000, status: 'succeeded' }])],
      [{ paymentIntentId: 'pi_old', amount: 2000 }],
    ],
    [
      'a request fully made creates nothing',
      ask(3000),
      [intent('pi_a', 1, 3000, 3000, [{ id: 're_1', amount: 3000, status: 'pending' }])],
      [],
    ],
    [
      'ISK: Monstock whole units, Stripe hundredths',
      ask(5, 'ISK'),
      [intent('pi_a', 1, 1000, 0, [], 'isk')],
      [{ paymentIntentId: 'pi_a', amount: 500 }],
    ],
    [
      'MGA: Monstock 100 is Stripe 1',
      ask(300, 'MGA'),
      [intent('pi_a', 1, 10, 0, [], 'mga')],
      [{ paymentIntentId: 'pi_a', amount: 3 }],
    ],
    [
      'JPY zero-decimal on both sides',
      ask(700, 'JPY'),
      [intent('pi_a', 1, 1000, 0, [], 'jpy')],
      [{ paymentIntentId: 'pi_a', amount: 700 }],
    ],
    [
      'KWD: only tens go to Stripe, split on a step',
      ask(2000, 'KWD'),
      [intent('pi_old', 1, 5000, 0, [], 'kwd'), intent('pi_new', 2, 1500, 5, [], 'kwd')],
      [
        { paymentIntentId: 'pi_new', amount: 1490 },
        { paymentIntentId: 'pi_old', amount: 510 },
      ],
    ],
  ])('%s', (_name, request, intents, create) => {
    const plan = planRefund(request, request.currency, intents);
    expect(plan.kind).toBe('refund');
    if (plan.kind === 'refund') expect(plan.create).toEqual(create);
  });

  it.each([
    [
      'more than refundable',
      ask(5000),
      'EUR',
      [intent('pi_a', 1, 3000)],
      'exceeds_refundable: asked 5000, refundable 3000',
    ],
    [
      'more than what is left after other refunds',
      ask(3000),
      'EUR',
      [intent('pi_a', 1, 4200, 2000)],
      'exceeds_refundable: asked 3000, refundable 2200',
    ],
    ['nothing paid', ask(100), 'EUR', [], 'nothing_paid: asked 100, refundable 0'],
    [
      'another currency than the order',
      ask(100, 'USD'),
      'EUR',
      [intent('pi_a', 1, 3000)],
      'currency_mismatch: asked USD, order in EUR',
    ],
    ['a zero amount', ask(0), 'EUR', [intent('pi_a', 1, 3000)], 'invalid_amount: asked 0'],
    [
      'an amount Stripe cannot take (KWD 1.235)',
      ask(1235, 'KWD'),
      'KWD',
      [intent('pi_a', 1, 5000, 0, [], 'kwd')],
      'amount_not_representable',
    ],
  ])('rejects %s', (_name, request, orderCurrency, intents, reason) => {
    const plan = planRefund(request, orderCurrency, intents);
    expect(plan.kind).toBe('reject');
    if (plan.kind === 'reject') expect(plan.failureReason).toContain(reason);
  });

  it('fails (not rejects) a request partly refunded when the rest is no longer refundable', () => {
    const plan = planRefund(ask(5000), 'EUR', [
      intent('pi_a', 1, 3000, 3000, [{ id: 're_1', amount: 3000, status: 'succeeded' }]),
    ]);
    expect(plan).toEqual({
      kind: 'failed',
      failureReason: 'exceeds_refundable: asked 5000, refundable 3000',
      refundIds: ['re_1'],
    });
  });

  it("fails a request whose refund Stripe failed, with Stripe's reason", () => {
    const plan = planRefund(ask(3000), 'EUR', [
      intent('pi_a', 1, 3000, 0, [
        { id: 're_1', amount: 3000, status: 'failed', failureReason: 'expired_or_canceled_card' },
      ]),
    ]);
    expect(plan).toEqual({ kind: 'failed', failureReason: 'expired_or_canceled_card', refundIds: ['re_1'] });
  });
});

describe('planRefund while a payment of the order is on its way', () => {
  const awaited = (id: string, status: string) => ({ paymentIntentId: id, status });

  it.each(['processing', 'requires_action', 'requires_capture'])(
    'waits (never rejects) when nothing is paid yet and an intent is %s',
    (status) => {
      const plan = planRefund(ask(4200), 'EUR', [], [awaited('pi_a', status)]);
      expect(plan).toEqual({
        kind: 'wait',
        why: `not refundable yet: waiting for pi_a (${status})`,
        awaiting: ['pi_a'],
      });
    },
  );

  it('waits rather than refunding part of the ask when what is paid is not enough yet', () => {
    const plan = planRefund(ask(5000), 'EUR', [intent('pi_old', 1, 3000)], [awaited('pi_new', 'processing')]);
    expect(plan).toMatchObject({ kind: 'wait', awaiting: ['pi_new'] });
  });

  it('refunds at once what is already paid enough, whatever else is on its way', () => {
    const plan = planRefund(ask(2000), 'EUR', [intent('pi_old', 1, 3000)], [awaited('pi_new', 'processing')]);
    expect(plan).toEqual({ kind: 'refund', create: [{ paymentIntentId: 'pi_old', amount: 2000 }], existing: [] });
  });

  it('still rejects an ask that nothing on its way could make valid (another currency)', () => {
    const plan = planRefund(ask(100, 'USD'), 'EUR', [], [awaited('pi_a', 'processing')]);
    expect(plan.kind).toBe('reject');
  });
});

describe('requestOutcome', () => {
  it.each([
    [[{ status: 'succeeded' }, { status: 'succeeded' }], { status: 'succeeded' }],
    [[{ status: 'succeeded' }, { status: 'pending' }], { status: 'processing' }],
    [[], { status: 'processing' }],
    [
      [{ status: 'succeeded' }, { status: 'failed', failureReason: 'declined' }],
      { status: 'failed', failureReason: 'declined' },
    ],
    [[{ status: 'canceled' }], { status: 'failed', failureReason: 'refund_canceled' }],
  ])('%j → %j', (refunds, outcome) => {
    expect(requestOutcome(refunds)).toEqual(outcome);
  });
});
