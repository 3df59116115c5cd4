/**
 * List cursors: base64url of the last row's (updatedAt, id). A key rather than an offset, so a
 * page boundary stays put while rows are inserted or move to the end because they changed.
 */
export interface PageKey {
  updatedAt: string;
  id: string;
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function encodeCursor(key: PageKey): string {
  return Buffer.from(JSON.stringify([key.updatedAt, key.id]), 'utf8').toString('base64url');
}

/** Undefined for anything this sandbox did not hand out. */
export function decodeCursor(cursor: string): PageKey | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(decoded) || decoded.length !== 2) return undefined;
    const [updatedAt, id] = decoded as unknown[];
    if (typeof updatedAt !== 'string' || typeof id !== 'string' || !ISO_MS.test(updatedAt) || id.length === 0)
      return undefined;
    return { updatedAt, id };
  } catch {
    return undefined;
  }
}
