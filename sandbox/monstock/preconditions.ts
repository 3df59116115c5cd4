import { invalidRequest, versionMismatch } from './errors';

/**
 * `If-Match` carries a resource version. Both `3` and the ETag-style `"3"` (also `W/"3"`) are
 * accepted because HTTP clients quote it by habit; `*` means "any existing version".
 */
export type ExpectedVersion = number | undefined;

export function parseIfMatch(header: string | string[] | undefined): ExpectedVersion {
  if (header === undefined) return undefined;
  const raw = (Array.isArray(header) ? header.join(',') : header).trim();
  if (raw === '*') return undefined;
  const found = /^(?:W\/)?(?:"(\d{1,15})"|(\d{1,15}))$/.exec(raw);
  const digits = found?.[1] ?? found?.[2];
  if (digits === undefined) throw invalidRequest('If-Match must be a resource version, for example 3 or "3".');
  return Number(digits);
}

export function checkVersion(kind: string, id: string, current: number, expected: ExpectedVersion): void {
  if (expected !== undefined && expected !== current) {
    throw versionMismatch(`${kind} ${id} is at version ${current}, not ${expected}.`);
  }
}
