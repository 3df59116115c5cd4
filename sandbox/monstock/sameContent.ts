import { isDeepStrictEqual } from 'node:util';

/**
 * Whether a write would change what a reader sees, ignoring the bookkeeping fields. Compared as
 * JSON so an absent key and a key holding `undefined` count as the same thing, as on the wire.
 */
export function sameContent<T extends { version: number; updatedAt: string }>(before: T, after: T): boolean {
  const strip = (record: T): unknown => {
    const { version: _version, updatedAt: _updatedAt, ...rest } = record;
    return JSON.parse(JSON.stringify(rest)) as unknown;
  };
  return isDeepStrictEqual(strip(before), strip(after));
}

/** The next revision of a record that did change. */
export function stamp<T extends { version: number; updatedAt: string }>(record: T, at: string): T {
  return { ...record, version: record.version + 1, updatedAt: at };
}
