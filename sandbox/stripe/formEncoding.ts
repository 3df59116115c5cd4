/**
 * Stripe's v1 API takes `application/x-www-form-urlencoded` bodies (and GET query strings) with
 * Rails-style bracket nesting: `metadata[order_id]=x`, `expand[]=latest_charge`,
 * `items[0][price]=p`. The SDK writes arrays with explicit indexes, curl users write `[]`;
 * both must land on the same shape.
 */
export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

/** Deeper nesting than any Stripe parameter needs is refused rather than walked. */
const MAX_DEPTH = 8;

export class FormDecodingError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

/** Splits `a[b][0][]` into `['a', 'b', '0', '']`; an empty segment means "append". */
export function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const segments = [key.slice(0, open)];
  const rest = key.slice(open);
  const pattern = /\[([^\]]*)\]/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = pattern.exec(rest)) !== null) {
    segments.push(match[1] ?? '');
    consumed = pattern.lastIndex;
  }
  // Anything after the last bracket pair (`a[b]c`) is not Stripe's syntax: keep the raw key.
  if (consumed !== rest.length) return [key];
  return segments;
}

const INDEX = /^(0|[1-9]\d{0,5})$/;

/**
 * Objects whose keys are exactly 0..n-1 become arrays, so `items[0][price]` and `items[][price]`
 * read the same. Sparse or mixed keys stay objects: metadata may use digits as keys.
 */
function arrayify(value: FormValue): FormValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(arrayify);
  const keys = Object.keys(value);
  const converted: FormObject = {};
  for (const key of keys) converted[key] = arrayify(value[key] as FormValue);
  if (keys.length > 0 && keys.every((key) => INDEX.test(key))) {
    const indexes = keys.map(Number).sort((a, b) => a - b);
    if (indexes.every((index, position) => index === position))
      return indexes.map((index) => converted[String(index)] as FormValue);
  }
  return converted;
}

function assign(target: FormObject, segments: string[], value: string, fullKey: string): void {
  if (segments.length > MAX_DEPTH) throw new FormDecodingError(`Parameter nesting is too deep: ${fullKey}`, fullKey);
  let node: FormObject = target;
  for (let position = 0; position < segments.length; position += 1) {
    const segment = segments[position] as string;
    const last = position === segments.length - 1;
    // `[]` appends: the next free numeric key, later turned into an array index by arrayify.
    const key = segment === '' ? String(Object.keys(node).length) : segment;
    if (last) {
      node[key] = value;
      return;
    }
    const existing = node[key];
    if (existing === undefined || typeof existing === 'string') {
      const child: FormObject = {};
      node[key] = child;
      node = child;
    } else if (Array.isArray(existing)) {
      throw new FormDecodingError(`Invalid parameter nesting: ${fullKey}`, fullKey);
    } else {
      node = existing;
    }
  }
}

export function decodeForm(input: string | URLSearchParams): FormObject {
  const root: FormObject = {};
  for (const [key, value] of typeof input === 'string' ? new URLSearchParams(input) : input) {
    if (key === '') continue;
    assign(root, splitKey(key), value, key);
  }
  return arrayify(root) as FormObject;
}

/** The inverse, used by tests and for canonical idempotency fingerprints. */
export function encodeForm(value: FormObject): string {
  const pairs: string[] = [];
  const walk = (prefix: string, node: FormValue): void => {
    if (typeof node === 'string') {
      pairs.push(`${encodeURIComponent(prefix)}=${encodeURIComponent(node)}`);
      return;
    }
    const entries = Array.isArray(node)
      ? node.map((item, index) => [String(index), item] as const)
      : Object.entries(node);
    for (const [key, child] of entries) walk(prefix ? `${prefix}[${key}]` : key, child);
  };
  walk('', value);
  return pairs.join('&');
}
