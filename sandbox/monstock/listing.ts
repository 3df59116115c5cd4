import { decodeCursor, encodeCursor } from './cursor';
import { invalidRequest } from './errors';
import type { ListFilter, ListResult } from './store';
import type { Page } from './types';

/** The paging part every list shares: cursor in, cursor out. */
export function listFilterOf(query: {
  limit: number;
  cursor?: string | undefined;
  updatedSince?: string | undefined;
}): ListFilter {
  const filter: ListFilter = { limit: query.limit };
  if (query.cursor !== undefined) {
    const after = decodeCursor(query.cursor);
    if (!after) throw invalidRequest('cursor: not a cursor this API handed out.');
    filter.after = after;
  }
  if (query.updatedSince !== undefined) filter.updatedSince = new Date(query.updatedSince).toISOString();
  return filter;
}

export function pageOf<T extends { updatedAt: string; id: string }>(result: ListResult<T>): Page<T> {
  const last = result.items[result.items.length - 1];
  return {
    data: result.items,
    nextCursor: result.hasMore && last ? encodeCursor({ updatedAt: last.updatedAt, id: last.id }) : null,
  };
}
