import { invalidRequest } from './errors';
import { expandListItems, type Present } from './list';
import type { Params } from './params';
import type { Store } from './store';
import type { StripeObject } from './types';

/**
 * A subset of Stripe's Search Query Language: clauses joined by `AND` (or all by `OR`),
 * each `field:value` (exact, case-insensitive), `field~value` (substring), `field>n` /
 * `field<n` / `>=` / `<=` on numbers, a leading `-` to negate, and `metadata['key']:'value'`.
 * Values are quoted strings, numbers or `null`. Results are newest first, paged by an opaque
 * `next_page` token, as Stripe's are.
 */
export type FieldKind = 'string' | 'number';
type Operator = ':' | '~' | '>' | '<' | '>=' | '<=';

interface Clause {
  negate: boolean;
  path: string[];
  operator: Operator;
  value: string | number | null;
}

export interface SearchQuery {
  clauses: Clause[];
  joiner: 'AND' | 'OR';
}

const fail = (detail: string): never => {
  throw invalidRequest(
    `Invalid search query: ${detail}. See https://docs.stripe.com/search#search-query-language for the syntax.`,
    'query',
  );
};

class Cursor {
  position = 0;
  constructor(readonly text: string) {}
  skipSpaces(): void {
    while (this.text[this.position] === ' ') this.position += 1;
  }
  done(): boolean {
    return this.position >= this.text.length;
  }
  peek(length = 1): string {
    return this.text.slice(this.position, this.position + length);
  }
  quoted(): string {
    const quote = this.text[this.position];
    if (quote !== "'" && quote !== '"') return fail(`expected a quoted value at position ${this.position}`);
    let out = '';
    this.position += 1;
    while (!this.done()) {
      const char = this.text[this.position] as string;
      if (char === '\\' && this.position + 1 < this.text.length) {
        out += this.text[this.position + 1];
        this.position += 2;
        continue;
      }
      if (char === quote) {
        this.position += 1;
        return out;
      }
      out += char;
      this.position += 1;
    }
    return fail('unterminated quoted value');
  }
  word(): string {
    const match = /^[A-Za-z0-9_.-]+/.exec(this.text.slice(this.position));
    if (!match) return fail(`unexpected character at position ${this.position}`);
    this.position += match[0].length;
    return match[0];
  }
}

export function parseSearchQuery(query: string, fields: Record<string, FieldKind>): SearchQuery {
  const cursor = new Cursor(query.trim());
  const clauses: Clause[] = [];
  let joiner: 'AND' | 'OR' | undefined;
  while (true) {
    cursor.skipSpaces();
    if (cursor.done()) return fail('expected a clause');
    const negate = cursor.peek() === '-';
    if (negate) cursor.position += 1;
    const name = cursor.word();
    const path = [name];
    if (name === 'metadata') {
      if (cursor.peek() !== '[') return fail("metadata needs a key, as in metadata['key']");
      cursor.position += 1;
      path.push(cursor.quoted());
      if (cursor.peek() !== ']') return fail('expected ]');
      cursor.position += 1;
    } else if (!(name in fields)) {
      return fail(`the field ${name} is not supported`);
    }
    const operator =
      (['>=', '<='] as const).find((op) => cursor.peek(2) === op) ??
      ([':', '~', '>', '<'] as const).find((op) => cursor.peek() === op);
    if (!operator) return fail(`expected an operator after ${name}`);
    cursor.position += operator.length;
    let value: string | number | null;
    const next = cursor.peek();
    if (next === "'" || next === '"') value = cursor.quoted();
    else {
      const word = cursor.word();
      if (word === 'null') value = null;
      else if (/^-?\d+$/.test(word)) value = Number(word);
      else return fail(`the value ${word} must be quoted`);
    }
    const kind: FieldKind = name === 'metadata' ? 'string' : (fields[name] as FieldKind);
    if (operator === '~' && (typeof value !== 'string' || value.length < 3))
      return fail('the ~ operator needs a quoted value of at least 3 characters');
    if (operator !== ':' && operator !== '~' && (kind !== 'number' || typeof value !== 'number'))
      return fail(`the ${operator} operator needs a numeric field and value`);
    clauses.push({ negate, path, operator, value });
    cursor.skipSpaces();
    if (cursor.done()) break;
    const join = cursor.word();
    if (join !== 'AND' && join !== 'OR') return fail(`expected AND or OR, found ${join}`);
    if (joiner && joiner !== join) return fail('AND and OR cannot be combined in one query');
    joiner = join;
  }
  if (clauses.length > 10) return fail('at most 10 clauses are allowed');
  return { clauses, joiner: joiner ?? 'AND' };
}

function valueAt(object: Record<string, unknown>, path: string[]): unknown {
  let node: unknown = object;
  for (const key of path) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function clauseMatches(object: Record<string, unknown>, clause: Clause): boolean {
  const actual = valueAt(object, clause.path) ?? null;
  let result: boolean;
  if (clause.value === null) result = actual === null;
  else if (clause.operator === ':') {
    result =
      typeof clause.value === 'number'
        ? actual === clause.value
        : typeof actual === 'string' && actual.toLowerCase() === clause.value.toLowerCase();
  } else if (clause.operator === '~') {
    result = typeof actual === 'string' && actual.toLowerCase().includes(String(clause.value).toLowerCase());
  } else {
    const number = typeof actual === 'number' ? actual : NaN;
    const bound = clause.value as number;
    result =
      clause.operator === '>'
        ? number > bound
        : clause.operator === '<'
          ? number < bound
          : clause.operator === '>='
            ? number >= bound
            : number <= bound;
  }
  return clause.negate ? !result : result;
}

export function matchesQuery(object: Record<string, unknown>, query: SearchQuery): boolean {
  return query.joiner === 'AND'
    ? query.clauses.every((clause) => clauseMatches(object, clause))
    : query.clauses.some((clause) => clauseMatches(object, clause));
}

export interface SearchResult<T> {
  object: 'search_result';
  data: T[];
  has_more: boolean;
  next_page: string | null;
  url: string;
}

export const SEARCH_PARAMS = ['query', 'limit', 'page'] as const;

export function searchObjects(
  store: Store,
  options: { type: string; url: string; params: Params; fields: Record<string, FieldKind>; present: Present },
): SearchResult<StripeObject> {
  const text = options.params.string('query', { required: true, max: 10_000 }) as string;
  const limit = options.params.integer('limit', { min: 1, max: 100 }) ?? 10;
  const page = options.params.string('page', { max: 500 });
  const query = parseSearchQuery(text, options.fields);
  const matching = candidates(store, options.type, query).filter((object) => matchesQuery(object, query));
  let start = 0;
  if (page) {
    const after = decodePage(page);
    const index = after === undefined ? -1 : matching.findIndex((object) => object.id === after);
    if (index < 0) throw invalidRequest('Invalid page token.', 'page');
    start = index + 1;
  }
  const slice = matching.slice(start, start + limit).map(options.present);
  const hasMore = start + limit < matching.length;
  const last = slice[slice.length - 1];
  return {
    object: 'search_result',
    data: expandListItems(store, slice, options.params.expand(), options.present),
    has_more: hasMore,
    next_page: hasMore && last ? encodePage(last.id) : null,
    url: options.url,
  };
}

/**
 * The objects a query can match: with an AND query holding a plain `metadata['key']:'value'`
 * clause, only those the metadata index names (every clause is still checked on each one);
 * otherwise every object of the type. Both come newest first.
 */
export function indexedClause(query: SearchQuery): { key: string; value: string } | undefined {
  if (query.joiner !== 'AND' && query.clauses.length > 1) return undefined;
  const clause = query.clauses.find(
    (each) =>
      !each.negate &&
      each.operator === ':' &&
      each.path.length === 2 &&
      each.path[0] === 'metadata' &&
      typeof each.value === 'string',
  );
  return clause ? { key: clause.path[1] as string, value: clause.value as string } : undefined;
}

function candidates(store: Store, type: string, query: SearchQuery): StripeObject[] {
  const indexed = indexedClause(query);
  return indexed ? store.withMetadata(type, indexed.key, indexed.value) : store.all(type);
}

function encodePage(id: string): string {
  return Buffer.from(JSON.stringify({ after: id }), 'utf8').toString('base64url');
}

function decodePage(token: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    const after = parsed && typeof parsed === 'object' ? (parsed as { after?: unknown }).after : undefined;
    return typeof after === 'string' ? after : undefined;
  } catch {
    return undefined;
  }
}
