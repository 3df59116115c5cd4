import { invalidRequest } from './errors';

/**
 * `Monstock-Change-Source` (ours): a write names who makes it, and the events of the change carry
 * that name as `changeSource`, so an API client can tell its own changes from other writers'
 * without asking anything. Optional; a malformed value is a 400 rather than a silently dropped name.
 */
export const CHANGE_SOURCE_HEADER = 'monstock-change-source';
const CHANGE_SOURCE_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

export function parseChangeSource(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? undefined : header;
  if (value === undefined || !CHANGE_SOURCE_PATTERN.test(value))
    throw invalidRequest('Monstock-Change-Source must be 1 to 64 letters, digits or ._:- characters, sent once.');
  return value;
}
