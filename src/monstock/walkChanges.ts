import type { ListOptions } from './client';
import { StaleCursor } from './errors';
import type { Page } from './schemas';

/** Where a walk of a Monstock list by `updatedSince` stands: the time reached, and the next page if mid-walk. */
export interface WalkPosition {
  updatedSince?: string;
  /** Monstock's opaque cursor for the next page of the current walk. */
  page?: string;
}

/**
 * The next page of a walk from `position`. A page cursor Monstock no longer accepts (StaleCursor)
 * is deleted from `position` (so progress saved before the caller moves on no longer carries
 * it) and the walk restarts from `updatedSince`: that re-reads a little, which the caller's own
 * key skips, instead of failing every poll. The caller then moves `position.page` on to the
 * answer's `nextCursor`.
 */
export async function readChangesPage<T>(
  list: (options: ListOptions) => Promise<Page<T>>,
  position: WalkPosition,
  limit: number,
): Promise<Page<T>> {
  const since = position.updatedSince ? { updatedSince: position.updatedSince } : {};
  try {
    return await list({ ...since, limit, ...(position.page ? { cursor: position.page } : {}) });
  } catch (error) {
    if (!(error instanceof StaleCursor)) throw error;
    delete position.page;
    return list({ ...since, limit });
  }
}
