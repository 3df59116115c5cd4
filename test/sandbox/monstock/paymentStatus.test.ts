import { summarizePayments, type MovementLike } from '../../../sandbox/monstock/paymentStatus';

const pay = (amount: number, status: MovementLike['status'] = 'succeeded'): MovementLike => ({
  kind: 'payment',
  status,
  amount,
});
const refund = (amount: number, status: MovementLike['status'] = 'succeeded'): MovementLike => ({
  kind: 'refund',
  status,
  amount,
});
const dispute = (amount: number, status: MovementLike['status']): MovementLike => ({ kind: 'dispute', status, amount });

describe('summarizePayments', () => {
  test.each<[string, number, MovementLike[], { amountPaid: number; amountRefunded: number; paymentStatus: string }]>([
    ['no movements', 1000, [], { amountPaid: 0, amountRefunded: 0, paymentStatus: 'unpaid' }],
    [
      'a pending payment counts for nothing',
      1000,
      [pay(1000, 'pending')],
      { amountPaid: 0, amountRefunded: 0, paymentStatus: 'unpaid' },
    ],
    [
      'a failed payment counts for nothing',
      1000,
      [pay(1000, 'failed')],
      { amountPaid: 0, amountRefunded: 0, paymentStatus: 'unpaid' },
    ],
    [
      'part of the total paid',
      1000,
      [pay(400)],
      { amountPaid: 400, amountRefunded: 0, paymentStatus: 'partially_paid' },
    ],
    ['the total paid', 1000, [pay(1000)], { amountPaid: 1000, amountRefunded: 0, paymentStatus: 'paid' }],
    ['paid in two parts', 1000, [pay(600), pay(400)], { amountPaid: 1000, amountRefunded: 0, paymentStatus: 'paid' }],
    ['overpaid is still paid', 1000, [pay(1200)], { amountPaid: 1200, amountRefunded: 0, paymentStatus: 'paid' }],
    [
      'a zero total is never paid',
      0,
      [pay(100)],
      { amountPaid: 100, amountRefunded: 0, paymentStatus: 'partially_paid' },
    ],
    ['a zero total with nothing paid', 0, [], { amountPaid: 0, amountRefunded: 0, paymentStatus: 'unpaid' }],
    [
      'part refunded',
      1000,
      [pay(1000), refund(300)],
      { amountPaid: 1000, amountRefunded: 300, paymentStatus: 'partially_refunded' },
    ],
    [
      'a pending refund does not count',
      1000,
      [pay(1000), refund(300, 'pending')],
      { amountPaid: 1000, amountRefunded: 0, paymentStatus: 'paid' },
    ],
    [
      'a failed refund does not count',
      1000,
      [pay(1000), refund(1000, 'failed')],
      { amountPaid: 1000, amountRefunded: 0, paymentStatus: 'paid' },
    ],
    [
      'fully refunded',
      1000,
      [pay(1000), refund(600), refund(400)],
      { amountPaid: 1000, amountRefunded: 1000, paymentStatus: 'refunded' },
    ],
    [
      'refunded more than paid',
      1000,
      [pay(500), refund(700)],
      { amountPaid: 500, amountRefunded: 700, paymentStatus: 'refunded' },
    ],
    [
      'refunded with nothing paid',
      1000,
      [refund(100)],
      { amountPaid: 0, amountRefunded: 100, paymentStatus: 'refunded' },
    ],
    [
      'an open dispute wins over everything',
      1000,
      [pay(1000), refund(1000), dispute(1000, 'needs_response')],
      { amountPaid: 1000, amountRefunded: 1000, paymentStatus: 'disputed' },
    ],
    [
      'an open dispute on a paid order',
      1000,
      [pay(1000), dispute(1000, 'needs_response')],
      { amountPaid: 1000, amountRefunded: 0, paymentStatus: 'disputed' },
    ],
    [
      'a won dispute leaves the order paid',
      1000,
      [pay(1000), dispute(1000, 'won')],
      { amountPaid: 1000, amountRefunded: 0, paymentStatus: 'paid' },
    ],
    [
      'a lost dispute counts as refunded',
      1000,
      [pay(1000), dispute(1000, 'lost')],
      { amountPaid: 1000, amountRefunded: 1000, paymentStatus: 'refunded' },
    ],
    [
      'a partly lost dispute',
      1000,
      [pay(1000), dispute(250, 'lost')],
      { amountPaid: 1000, amountRefunded: 250, paymentStatus: 'partially_refunded' },
    ],
    [
      'a lost dispute plus a refund add up',
      1000,
      [pay(1000), dispute(400, 'lost'), refund(600)],
      { amountPaid: 1000, amountRefunded: 1000, paymentStatus: 'refunded' },
    ],
    [
      'an authorisation of the total',
      1000,
      [pay(1000, 'authorized')],
      { amountPaid: 0, amountRefunded: 0, paymentStatus: 'authorized' },
    ],
    [
      'an authorisation plus a captured part cover the total',
      1000,
      [pay(400), pay(600, 'authorized')],
      { amountPaid: 400, amountRefunded: 0, paymentStatus: 'authorized' },
    ],
    [
      'an authorisation short of the total with something paid',
      1000,
      [pay(300), pay(500, 'authorized')],
      { amountPaid: 300, amountRefunded: 0, paymentStatus: 'partially_paid' },
    ],
    [
      'an authorisation short of the total with nothing paid',
      1000,
      [pay(500, 'authorized')],
      { amountPaid: 0, amountRefunded: 0, paymentStatus: 'unpaid' },
    ],
    [
      'paid wins over a leftover authorisation',
      1000,
      [pay(1000), pay(1000, 'authorized')],
      { amountPaid: 1000, amountRefunded: 0, paymentStatus: 'paid' },
    ],
    [
      'a canceled authorisation counts for nothing',
      1000,
      [pay(1000, 'canceled')],
      { amountPaid: 0, amountRefunded: 0, paymentStatus: 'unpaid' },
    ],
    [
      'an authorisation never counts against a zero total',
      0,
      [pay(100, 'authorized')],
      { amountPaid: 0, amountRefunded: 0, paymentStatus: 'unpaid' },
    ],
    [
      'a refund wins over an authorisation',
      1000,
      [pay(200), pay(800, 'authorized'), refund(100)],
      { amountPaid: 200, amountRefunded: 100, paymentStatus: 'partially_refunded' },
    ],
  ])('%s', (_name, totalAmount, movements, expected) => {
    expect(summarizePayments(totalAmount, movements)).toEqual(expected);
  });

  test('every payment status is reachable', () => {
    const reached = new Set(
      [
        [],
        [pay(1)],
        [pay(1000)],
        [pay(1000, 'authorized')],
        [pay(1000), refund(1)],
        [pay(1000), refund(1000)],
        [dispute(1, 'needs_response')],
      ].map((movements) => summarizePayments(1000, movements).paymentStatus),
    );
    expect([...reached].sort()).toEqual([
      'authorized',
      'disputed',
      'paid',
      'partially_paid',
      'partially_refunded',
      'refunded',
      'unpaid',
    ]);
  });
});
