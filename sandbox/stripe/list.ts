import { invalidRequest, resourceMissing } from './errors';
import { objectNameOfId } from './ids';
import type { CreatedFilter, Params } from './params';
import type { Store } from './store';
import type { StripeObject } from './types';

/**
 * Stripe's list envelope and cursor paging: newest first, `limit` 1..100 (default 10),
 * `starting_after`/`ending_before` naming an object id, `has_more` telling whether another page
 * exists in the direction of travel; plus the `created` range filter and `expand[]`.
 */
export interface StripeList<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

export const LIST_PARAMS = ['limit', 'starting_after', 'ending_before'] as const;

export interface PageRequest {
  limit: number;
  startingAfter?: string;
  endingBefore?: string;
}

export function readPage(params: Params): PageRequest {
  const limit = params.integer('limit', { min: 1, max: 100 }) ?? 10;
  const startingAfter = params.string('starting_after', { max: 255 }) || undefined;
  const endingBefore = params.string('ending_before', { max: 255 }) || undefined;
  if (startingAfter && endingBefore)
    throw invalidRequest(
      'You may only specify one of these parameters: ending_before, starting_after.',
      'starting_after',
    );
  return { limit, ...(startingAfter ? { startingAfter } : {}), ...(endingBefore ? { endingBefore } : {}) };
}

/** One SQL condition on the objects table; values are always bound, never interpolated. */
export interface Condition {
  sql: string;
  args: Array<string | number>;
}

export type IndexedColumn = 'customer' | 'payment_intent' | 'charge' | 'lookup';

export const column = (name: IndexedColumn, value: string): Condition => ({ sql: `${name} = ?`, args: [value] });

/** A condition on a stored field (e.g. `status`); the path is ours, never the caller's. */
export const field = (path: string, value: string | number): Condition => ({
  sql: `json_extract(data, '$.${path}') = ?`,
  args: [value],
});

export function createdConditions(filter: CreatedFilter | undefined, columnName = 'created'): Condition[] {
  if (!filter) return [];
  const out: Condition[] = [];
  if (filter.gt !== undefined) out.push({ sql: `${columnName} > ?`, args: [filter.gt] });
  if (filter.gte !== undefined) out.push({ sql: `${columnName} >= ?`, args: [filter.gte] });
  if (filter.lt !== undefined) out.push({ sql: `${columnName} < ?`, args: [filter.lt] });
  if (filter.lte !== undefined) out.push({ sql: `${columnName} <= ?`, args: [filter.lte] });
  return out;
}

export type Present = (object: StripeObject) => StripeObject;

export interface ListOptions {
  type: string;
  url: string;
  page: PageRequest;
  conditions?: Condition[];
  expand?: string[];
  present: Present;
}

export function listObjects(store: Store, options: ListOptions): StripeList<StripeObject> {
  const conditions = [
    { sql: 'type = ?', args: [options.type] },
    store.scopeCondition(),
    { sql: 'deleted = 0', args: [] },
    ...(options.conditions ?? []),
  ];
  const cursorId = options.page.startingAfter ?? options.page.endingBefore;
  const forward = options.page.endingBefore === undefined;
  if (cursorId !== undefined) {
    const cursor = store.row(cursorId);
    if (!cursor || cursor.type !== options.type) {
      throw resourceMissing(
        objectNameOfId(cursorId) ?? options.type,
        cursorId,
        forward ? 'starting_after' : 'ending_before',
      );
    }
    conditions.push(
      forward
        ? { sql: '(created < ? OR (created = ? AND seq < ?))', args: [cursor.created, cursor.created, cursor.seq] }
        : { sql: '(created > ? OR (created = ? AND seq > ?))', args: [cursor.created, cursor.created, cursor.seq] },
    );
  }
  const order = forward ? 'created DESC, seq DESC' : 'created ASC, seq ASC';
  const rows = store.db
    .prepare(
      `SELECT data FROM stripe_objects WHERE ${conditions.map((c) => c.sql).join(' AND ')} ORDER BY ${order} LIMIT ?`,
    )
    .all(...conditions.flatMap((c) => c.args), options.page.limit + 1) as Array<{ data: string }>;
  const hasMore = rows.length > options.page.limit;
  const pageRows = rows.slice(0, options.page.limit);
  if (!forward) pageRows.reverse();
  const data = pageRows.map((row) => options.present(JSON.parse(row.data) as StripeObject));
  return {
    object: 'list',
    data: expandListItems(store, data, options.expand ?? [], options.present),
    has_more: hasMore,
    url: options.url,
  };
}

/** `expand[]=data.latest_charge` on a list applies `latest_charge` to every item. */
export function expandListItems(
  store: Store,
  items: StripeObject[],
  paths: string[],
  present: Present,
): StripeObject[] {
  const itemPaths = paths.map((path) => {
    if (!path.startsWith('data.')) {
      throw invalidRequest(
        `This property cannot be expanded (${path}). You may want to try expanding 'data.${path}' instead.`,
        'expand',
      );
    }
    return path.slice('data.'.length);
  });
  return items.map((item) => expandObject(store, item, itemPaths, present));
}

const MAX_EXPAND_DEPTH = 4;

/**
 * Replaces ids with the objects they name along each dotted path (`latest_charge`,
 * `latest_charge.balance_transaction`). Any id this sandbox stores can be followed; a path
 * through something that is not an id is refused the way Stripe refuses it.
 */
export function expandObject(store: Store, object: StripeObject, paths: string[], present: Present): StripeObject {
  for (const path of paths) {
    const segments = path.split('.');
    if (segments.length > MAX_EXPAND_DEPTH)
      throw invalidRequest(
        `You cannot expand more than ${MAX_EXPAND_DEPTH} levels of a property. Property: ${path}`,
        'expand',
      );
    expandPath(store, object, segments, path, present);
  }
  return object;
}

function expandPath(
  store: Store,
  node: Record<string, unknown>,
  segments: string[],
  path: string,
  present: Present,
): void {
  const [head, ...rest] = segments;
  if (head === undefined) return;
  if (!(head in node)) throw invalidRequest(`This property cannot be expanded (${path}).`, 'expand');
  let value = node[head];
  if (value === null) return;
  if (typeof value === 'string') {
    const found = resolveId(store, value, present);
    if (!found) throw invalidRequest(`This property cannot be expanded (${path}).`, 'expand');
    node[head] = found;
    value = found;
  }
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalidRequest(`This property cannot be expanded (${path}).`, 'expand');
  expandPath(store, value as Record<string, unknown>, rest, path, present);
}

function resolveId(store: Store, id: string, present: Present): StripeObject | undefined {
  const row = store.row(id);
  if (!row) return undefined;
  // A deleted customer expands to its tombstone, as Stripe answers it.
  if (row.deleted) return { id: row.id, object: row.type, deleted: true } as unknown as StripeObject;
  return present(JSON.parse(row.data) as StripeObject);
}
