import { openDatabase } from '../../sandbox/kit/database';
import { indexedClause, matchesQuery, parseSearchQuery } from '../../sandbox/stripe/search';
import { Store } from '../../sandbox/stripe/store';
import type { StripeObject } from '../../sandbox/stripe/types';

const FIELDS = { status: 'string', amount: 'number' } as const;

function intent(id: string, created: number, metadata: Record<string, unknown>, extra: object = {}): StripeObject {
  return { id, object: 'payment_intent', created, metadata, status: 'requires_payment_method', amount: 100, ...extra };
}

/** What search returned before the index: every object of the type, filtered. */
function scan(store: Store, query: string): string[] {
  const parsed = parseSearchQuery(query, FIELDS);
  return store
    .all('payment_intent')
    .filter((object) => matchesQuery(object, parsed))
    .map((object) => object.id);
}

function indexed(store: Store, query: string): string[] {
  const parsed = parseSearchQuery(query, FIELDS);
  const clause = indexedClause(parsed);
  const candidates = clause
    ? store.withMetadata('payment_intent', clause.key, clause.value)
    : store.all('payment_intent');
  return candidates.filter((object) => matchesQuery(object, parsed)).map((object) => object.id);
}

describe('the Stripe sandbox metadata search index', () => {
  const store = new Store(openDatabase(':memory:'), 'acct_default');
  store.insert(intent('pi_1', 10, { monstock_order_id: 'ord_A' }));
  store.insert(intent('pi_2', 20, { monstock_order_id: 'ORD_a' }, { status: 'succeeded' }));
  store.insert(intent('pi_3', 20, { monstock_order_id: 'ord_b', other: 'x' }));
  store.insert(intent('pi_4', 5, { monstock_order_id: 7 }));
  store.insert(intent('pi_5', 30, {}));
  store.insert({ id: 'cus_1', object: 'customer', created: 1, metadata: { monstock_order_id: 'ord_a' } });

  const queries = [
    "metadata['monstock_order_id']:'ord_a'",
    "metadata['monstock_order_id']:'ord_a' AND status:'requires_payment_method'",
    "metadata['monstock_order_id']:'ord_b' AND metadata['other']:'x'",
    "metadata['monstock_order_id']:'ord_a' OR status:'succeeded'",
    "-metadata['monstock_order_id']:'ord_a'",
    "metadata['monstock_order_id']:'7'",
    "metadata['monstock_order_id']:'nope'",
    "metadata['monstock_order_id']~'ord'",
  ];

  it.each(queries)('answers %s as the full scan does, newest first', (query) => {
    expect(indexed(store, query)).toEqual(scan(store, query));
  });

  it('uses the index only for a positive metadata equality in an AND query', () => {
    expect(indexedClause(parseSearchQuery("metadata['k']:'v' AND amount>3", FIELDS))).toEqual({ key: 'k', value: 'v' });
    expect(indexedClause(parseSearchQuery("metadata['k']:'v' OR amount>3", FIELDS))).toBeUndefined();
    expect(indexedClause(parseSearchQuery("-metadata['k']:'v'", FIELDS))).toBeUndefined();
    expect(indexedClause(parseSearchQuery("metadata['k']~'vvv'", FIELDS))).toBeUndefined();
    expect(indexedClause(parseSearchQuery('status:null', FIELDS))).toBeUndefined();
  });

  it('follows saves, deletions and resets', () => {
    const own = new Store(openDatabase(':memory:'), 'acct_default');
    own.insert(intent('pi_a', 1, { k: 'one' }));
    own.save(intent('pi_a', 1, { k: 'two' }));
    expect(own.withMetadata('payment_intent', 'k', 'one')).toEqual([]);
    expect(own.withMetadata('payment_intent', 'k', 'TWO').map((object) => object.id)).toEqual(['pi_a']);
    own.markDeleted('pi_a');
    expect(own.withMetadata('payment_intent', 'k', 'two')).toEqual([]);
    own.insert(intent('pi_b', 1, { k: 'two' }));
    own.reset();
    expect(own.withMetadata('payment_intent', 'k', 'two')).toEqual([]);
  });

  it('fills the index of a database made before it existed', () => {
    const db = openDatabase(':memory:');
    new Store(db, 'acct_default').insert(intent('pi_old', 1, { k: 'v' }));
    db.exec('DROP TABLE stripe_metadata');
    const reopened = new Store(db, 'acct_default');
    expect(reopened.withMetadata('payment_intent', 'k', 'v').map((object) => object.id)).toEqual(['pi_old']);
  });
});
