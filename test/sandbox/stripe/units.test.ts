import { decodeForm, encodeForm, splitKey } from '../../../sandbox/stripe/formEncoding';
import { eventTypeMatches, previousAttributes } from '../../../sandbox/stripe/eventBus';
import { availableOn, disputeFee, processingFee } from '../../../sandbox/stripe/fees';
import { matchesQuery, parseSearchQuery } from '../../../sandbox/stripe/search';
import { applyMetadata, Params } from '../../../sandbox/stripe/params';
import { maskKey } from '../../../sandbox/stripe/auth';

/** The pure pieces: fees, form decoding, search queries, parameter rules, event diffs. */
describe('stripe sandbox: fees', () => {
  it('charges EUR cards 1.5% + 25, other cards 2.9% + 30, SEPA 35 flat', () => {
    expect(processingFee(10_000, 'eur', 'card').fee).toBe(175);
    expect(processingFee(4990, 'eur', 'card').fee).toBe(100);
    expect(processingFee(1000, 'eur', 'card').fee).toBe(40);
    expect(processingFee(10_000, 'usd', 'card').fee).toBe(320);
    expect(processingFee(3000, 'gbp', 'card').fee).toBe(117);
    expect(processingFee(10_000, 'eur', 'sepa_debit').fee).toBe(35);
    expect(processingFee(1000, 'jpy', 'card').fee).toBe(29);
    expect(processingFee(0, 'eur', 'card')).toEqual({
      fee: 25,
      fee_details: [expect.objectContaining({ amount: 25, type: 'stripe_fee', currency: 'eur' })],
    });
    expect(() => processingFee(-1, 'eur', 'card')).toThrow(RangeError);
    expect(processingFee(333, 'EUR', 'card').fee_details[0]?.currency).toBe('eur');
  });

  it('rounds half up on the exact percentage', () => {
    // 1.5% of 2500 = 37.5 → 38.
    expect(processingFee(2500, 'eur', 'card').fee).toBe(63);
    // 2.9% of 50 = 1.45 → 1.
    expect(processingFee(50, 'usd', 'card').fee).toBe(31);
  });

  it('has a 15.00 dispute fee and a 7-day availability at midnight UTC', () => {
    expect(disputeFee('eur')).toBe(1500);
    const created = Date.UTC(2025, 0, 1, 15, 30) / 1000;
    expect(availableOn(created)).toBe(Date.UTC(2025, 0, 9) / 1000);
  });
});

describe('stripe sandbox: form encoding', () => {
  it('nests brackets, turns indexes into arrays and keeps digit metadata keys', () => {
    expect(splitKey('items[0][price_data][currency]')).toEqual(['items', '0', 'price_data', 'currency']);
    expect(
      decodeForm(
        'amount=100&metadata[order_id]=x&expand[]=latest_charge&expand[]=customer&items[0][price]=p1&items[1][price]=p2&items[1][quantity]=3',
      ),
    ).toEqual({
      amount: '100',
      metadata: { order_id: 'x' },
      expand: ['latest_charge', 'customer'],
      items: [{ price: 'p1' }, { price: 'p2', quantity: '3' }],
    });
    expect(decodeForm('expand%5B0%5D=a&expand%5B1%5D=b')).toEqual({ expand: ['a', 'b'] });
    expect(decodeForm('metadata[7]=seven')).toEqual({ metadata: { '7': 'seven' } });
    expect(decodeForm('description=hello+world%21&empty=')).toEqual({ description: 'hello world!', empty: '' });
    expect(() => decodeForm('a[b][c][d][e][f][g][h][i][j]=1')).toThrow(/too deep/);
    const round = { metadata: { a: '1' }, expand: ['x', 'y'] };
    expect(decodeForm(encodeForm(round))).toEqual(round);
  });
});

describe('stripe sandbox: search queries', () => {
  const fields = { email: 'string', status: 'string', amount: 'number' } as const;
  const object = { email: 'Ada@Example.com', status: 'succeeded', amount: 1200, metadata: { order_id: 'o-1' } };

  it('parses and matches clauses joined by AND / OR', () => {
    expect(
      matchesQuery(object, parseSearchQuery("metadata['order_id']:'o-1' AND email:'ada@example.com'", fields)),
    ).toBe(true);
    expect(matchesQuery(object, parseSearchQuery('metadata["order_id"]:"o-2"', fields))).toBe(false);
    expect(matchesQuery(object, parseSearchQuery("status:'failed' OR amount>1000", fields))).toBe(true);
    expect(matchesQuery(object, parseSearchQuery("-status:'succeeded'", fields))).toBe(false);
    expect(matchesQuery(object, parseSearchQuery("email~'example'", fields))).toBe(true);
    expect(matchesQuery(object, parseSearchQuery("metadata['missing']:null", fields))).toBe(true);
    expect(matchesQuery(object, parseSearchQuery('amount<=1199', fields))).toBe(false);
  });

  it('refuses what Stripe refuses', () => {
    for (const bad of [
      "colour:'red'",
      "status:'a' AND status:'b' OR status:'c'",
      'status:succeeded',
      "email~'ab'",
      "status>'a'",
      "metadata:'x'",
      '',
      "status:'open",
    ]) {
      expect(() => parseSearchQuery(bad, fields)).toThrow();
    }
  });
});

describe('stripe sandbox: parameters', () => {
  it('reads typed values and answers Stripe-style 400s', () => {
    const params = new Params(decodeForm('amount=12&confirm=true&metadata[a]=1&metadata[b]=&created[gte]=5&bad=x'));
    expect(params.integer('amount')).toBe(12);
    expect(params.boolean('confirm')).toBe(true);
    expect(params.metadata()).toEqual({ a: '1', b: null });
    expect(params.created()).toEqual({ gte: 5 });
    expect(() => params.allow(['amount', 'confirm', 'metadata', 'created'])).toThrow();
    expect(() => new Params(decodeForm('amount=1.5')).integer('amount')).toThrow();
    expect(() => new Params(decodeForm('confirm=yes')).boolean('confirm')).toThrow();
    expect(() => new Params({}).integer('amount', { required: true })).toThrow();
    expect(applyMetadata({ a: '1', b: '2' }, { a: null, c: '3' })).toEqual({ b: '2', c: '3' });
    expect(applyMetadata({ a: '1' }, null)).toEqual({});
  });

  it('masks keys the way Stripe does', () => {
    expect(maskKey('sk_test_abcdefgh1234')).toBe('sk_test_****1234');
  });
});

describe('stripe sandbox: events', () => {
  it('matches enabled_events patterns', () => {
    expect(eventTypeMatches('*', 'charge.succeeded')).toBe(true);
    expect(eventTypeMatches('charge.*', 'charge.succeeded')).toBe(false);
    expect(eventTypeMatches('charge.failed', 'charge.succeeded')).toBe(false);
    expect(eventTypeMatches('charge.succeeded', 'charge.succeeded')).toBe(true);
  });

  it('describes previous attributes of what changed only', () => {
    expect(
      previousAttributes(
        { status: 'a', metadata: { x: '1', y: '2' }, same: 1 },
        { status: 'b', metadata: { x: '1', z: '3' }, same: 1 },
      ),
    ).toEqual({
      status: 'a',
      metadata: { y: '2', z: null },
    });
  });
});
