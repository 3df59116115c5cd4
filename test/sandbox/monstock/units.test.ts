import { createMonotonicClock } from '../../../sandbox/monstock/clock';
import { decodeCursor, encodeCursor } from '../../../sandbox/monstock/cursor';
import { parseIfMatch } from '../../../sandbox/monstock/preconditions';
import { HttpError } from '../../../sandbox/kit/http';

describe('cursor', () => {
  test('round-trips and is URL-safe', () => {
    const key = { updatedAt: '2024-05-01T10:00:00.123Z', id: 'ord_abc' };
    const cursor = encodeCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(key);
  });

  test.each([
    '',
    '!!!',
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('["2024-05-01T10:00:00Z","x"]').toString('base64url'),
    Buffer.from('["2024-05-01T10:00:00.000Z",""]').toString('base64url'),
  ])('refuses %j', (cursor) => {
    expect(decodeCursor(cursor)).toBeUndefined();
  });
});

describe('If-Match', () => {
  test.each<[string | undefined, number | undefined]>([
    [undefined, undefined],
    ['3', 3],
    ['"3"', 3],
    ['W/"12"', 12],
    [' 4 ', 4],
    ['*', undefined],
  ])('%j -> %j', (header, expected) => {
    expect(parseIfMatch(header)).toBe(expected);
  });

  test.each(['abc', '"3', '3"', '-1', '1.5', '3,4'])('%j is a 400', (header) => {
    expect(() => parseIfMatch(header)).toThrow(HttpError);
  });
});

describe('monotonic clock', () => {
  test('never repeats nor goes back, even when the wall clock does', () => {
    const wall = [1000, 1000, 1000, 500, 2000];
    const clock = createMonotonicClock(undefined, () => wall.shift() ?? 0);
    expect([clock.tick(), clock.tick(), clock.tick(), clock.tick(), clock.tick()].map((at) => Date.parse(at))).toEqual([
      1000, 1001, 1002, 1003, 2000,
    ]);
  });

  test('starts after the latest stored timestamp', () => {
    const clock = createMonotonicClock('2030-01-01T00:00:00.000Z', () => 0);
    expect(clock.tick()).toBe('2030-01-01T00:00:00.001Z');
  });
});
