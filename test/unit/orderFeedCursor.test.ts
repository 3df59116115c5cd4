import { advancePast, alreadyDelivered } from '../../src/activities/orderFeed/cursor';

/** The feed's resume key: Monstock answers `updatedSince` inclusively and sorts by (updatedAt, id). */
describe('order feed cursor', () => {
  const cursor = { updatedSince: '2025-11-27T09:40:00.000Z', lastId: 'ord_m' };

  it.each([
    ['the last order delivered', { id: 'ord_m', updatedAt: '2025-11-27T09:40:00.000Z' }, true],
    ['an order sorting before it at the same time', { id: 'ord_a', updatedAt: '2025-11-27T09:40:00.000Z' }, true],
    ['an order sorting after it at the same time', { id: 'ord_z', updatedAt: '2025-11-27T09:40:00.000Z' }, false],
    ['an earlier time', { id: 'ord_z', updatedAt: '2025-11-27T09:39:59.999Z' }, true],
    ['a later time', { id: 'ord_a', updatedAt: '2025-11-27T09:40:00.001Z' }, false],
    ['the same instant written differently', { id: 'ord_m', updatedAt: '2025-11-27T10:40:00+01:00' }, true],
    [
      'a later microsecond within the same millisecond',
      { id: 'ord_a', updatedAt: '2025-11-27T09:40:00.000400Z' },
      false,
    ],
  ])('%s', (_label, order, expected) => {
    expect(alreadyDelivered(cursor, order)).toBe(expected);
  });

  it('delivers everything from a cursor without a key yet (a new feed)', () => {
    expect(
      alreadyDelivered({ updatedSince: cursor.updatedSince }, { id: 'ord_a', updatedAt: cursor.updatedSince }),
    ).toBe(false);
    expect(alreadyDelivered({}, { id: 'ord_a', updatedAt: cursor.updatedSince })).toBe(false);
  });

  it('moves past a delivered order, keeping the page cursor, and never moves back', () => {
    const next = advancePast({ ...cursor, page: 'p2' }, { id: 'ord_b', updatedAt: '2025-11-27T09:41:00.000Z' });
    expect(next).toEqual({ updatedSince: '2025-11-27T09:41:00.000Z', lastId: 'ord_b', page: 'p2' });
    expect(advancePast(next, { id: 'ord_z', updatedAt: '2025-11-27T09:40:00.000Z' })).toBe(next);
  });
});
