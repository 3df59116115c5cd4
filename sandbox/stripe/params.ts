import type { FormObject, FormValue } from './formEncoding';
import { invalidRequest } from './errors';

/**
 * Typed, validated reads of a decoded request, answering with Stripe's own 400s
 * ("Received unknown parameter: x", "Missing required param: amount.", "Invalid integer: x")
 * so a connector that sends a wrong parameter fails here as it would against Stripe.
 */
export type MetadataUpdate = Record<string, string | null>;

export interface CreatedFilter {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

const MAX_STRING = 5000;

function describe(value: FormValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export class Params {
  constructor(
    readonly raw: FormObject,
    private readonly prefix = '',
  ) {}

  path(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  /** Refuses any key not listed; `expand` is accepted everywhere, as Stripe does. */
  allow(keys: readonly string[]): this {
    for (const key of Object.keys(this.raw)) {
      if (key === 'expand' && !this.prefix) continue;
      if (!keys.includes(key))
        throw invalidRequest(`Received unknown parameter: ${this.path(key)}`, this.path(key), 'parameter_unknown');
    }
    return this;
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  keys(): string[] {
    return Object.keys(this.raw);
  }

  private missing(key: string): never {
    throw invalidRequest(`Missing required param: ${this.path(key)}.`, this.path(key), 'parameter_missing');
  }

  private scalar(key: string, required: boolean): string | undefined {
    const value = this.raw[key];
    if (value === undefined) {
      if (required) this.missing(key);
      return undefined;
    }
    if (typeof value !== 'string')
      throw invalidRequest(`Invalid string: ${describe(value)}`, this.path(key), 'parameter_invalid_string');
    return value;
  }

  string(key: string, options: { required?: boolean; max?: number } = {}): string | undefined {
    const value = this.scalar(key, options.required ?? false);
    if (value === undefined) return undefined;
    if (value === '' && options.required) this.missing(key);
    const max = options.max ?? MAX_STRING;
    if (value.length > max)
      throw invalidRequest(
        `Invalid string: ${value.slice(0, 20)}...; must be at most ${max} characters`,
        this.path(key),
        'parameter_invalid_string',
      );
    return value;
  }

  /** Stripe unsets a field sent as an empty string: undefined = untouched, null = cleared. */
  nullableString(key: string, options: { max?: number } = {}): string | null | undefined {
    const value = this.string(key, options);
    if (value === undefined) return undefined;
    return value === '' ? null : value;
  }

  integer(key: string, options: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const value = this.scalar(key, options.required ?? false);
    if (value === undefined) return undefined;
    if (!/^-?\d{1,15}$/.test(value))
      throw invalidRequest(`Invalid integer: ${value}`, this.path(key), 'parameter_invalid_integer');
    const parsed = Number(value);
    if (options.min !== undefined && parsed < options.min) {
      const message =
        options.min === 1 ? `Invalid positive integer` : `This value must be greater than or equal to ${options.min}.`;
      throw invalidRequest(message, this.path(key), 'parameter_invalid_integer');
    }
    if (options.max !== undefined && parsed > options.max) {
      throw invalidRequest(
        `This value must be less than or equal to ${options.max}.`,
        this.path(key),
        'parameter_invalid_integer',
      );
    }
    return parsed;
  }

  boolean(key: string): boolean | undefined {
    const value = this.scalar(key, false);
    if (value === undefined) return undefined;
    if (value !== 'true' && value !== 'false') throw invalidRequest(`Invalid boolean: ${value}`, this.path(key));
    return value === 'true';
  }

  oneOf<T extends string>(key: string, values: readonly T[], options: { required?: boolean } = {}): T | undefined {
    const value = this.scalar(key, options.required ?? false);
    if (value === undefined) return undefined;
    if (!(values as readonly string[]).includes(value)) {
      const listed =
        values.length > 1 ? `${values.slice(0, -1).join(', ')}, or ${values[values.length - 1]}` : values.join('');
      throw invalidRequest(`Invalid ${this.path(key)}: must be one of ${listed}`, this.path(key));
    }
    return value as T;
  }

  stringList(key: string, options: { required?: boolean; max?: number } = {}): string[] | undefined {
    const value = this.raw[key];
    if (value === undefined) {
      if (options.required) this.missing(key);
      return undefined;
    }
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      throw invalidRequest(`Invalid array`, this.path(key));
    }
    const items = value as string[];
    if (options.max !== undefined && items.length > options.max)
      throw invalidRequest(`Invalid array: must have at most ${options.max} items`, this.path(key));
    return items;
  }

  object(key: string, allowed: readonly string[], options: { required?: boolean } = {}): Params | undefined {
    const value = this.raw[key];
    if (value === undefined) {
      if (options.required) this.missing(key);
      return undefined;
    }
    if (typeof value === 'string' || Array.isArray(value)) throw invalidRequest(`Invalid object`, this.path(key));
    return new Params(value, this.path(key)).allow(allowed);
  }

  objectList(
    key: string,
    allowed: readonly string[],
    options: { required?: boolean; max?: number } = {},
  ): Params[] | undefined {
    const value = this.raw[key];
    if (value === undefined) {
      if (options.required) this.missing(key);
      return undefined;
    }
    if (!Array.isArray(value)) throw invalidRequest(`Invalid array`, this.path(key));
    if (options.max !== undefined && value.length > options.max)
      throw invalidRequest(`Invalid array: must have at most ${options.max} items`, this.path(key));
    return value.map((item, index) => {
      const path = `${this.path(key)}[${index}]`;
      if (typeof item === 'string' || Array.isArray(item)) throw invalidRequest(`Invalid object`, path);
      return new Params(item, path).allow(allowed);
    });
  }

  /**
   * Stripe's metadata rules: at most 50 keys, keys up to 40 characters without brackets, values
   * up to 500; `metadata[k]=` deletes a key and `metadata=` clears them all (answered as null).
   */
  metadata(key = 'metadata'): MetadataUpdate | null | undefined {
    const value = this.raw[key];
    if (value === undefined) return undefined;
    if (value === '') return null;
    if (typeof value === 'string') throw invalidRequest(`Invalid object`, this.path(key));
    const entries = Array.isArray(value)
      ? value.map((item, index) => [String(index), item] as const)
      : Object.entries(value);
    if (entries.length > 50)
      throw invalidRequest(`Invalid metadata: metadata must have at most 50 keys.`, this.path(key));
    const out: MetadataUpdate = {};
    for (const [name, item] of entries) {
      const path = `${this.path(key)}[${name}]`;
      if (name.length > 40 || /[[\]]/.test(name))
        throw invalidRequest(
          `Invalid metadata key: ${name}; keys must be at most 40 characters and may not contain brackets.`,
          path,
        );
      if (typeof item !== 'string') throw invalidRequest(`Invalid string: ${describe(item)}`, path);
      if (item.length > 500)
        throw invalidRequest(`Invalid metadata value for ${name}: must be at most 500 characters.`, path);
      out[name] = item === '' ? null : item;
    }
    return out;
  }

  /** `created=123` (exact) or `created[gte]=..&created[lt]=..`. */
  created(key = 'created'): CreatedFilter | undefined {
    const value = this.raw[key];
    if (value === undefined) return undefined;
    if (typeof value === 'string') {
      const exact = this.integer(key);
      return exact === undefined ? undefined : { gte: exact, lte: exact };
    }
    const range = this.object(key, ['gt', 'gte', 'lt', 'lte']);
    if (!range) return undefined;
    const filter: CreatedFilter = {};
    for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) {
      const parsed = range.integer(bound);
      if (parsed !== undefined) filter[bound] = parsed;
    }
    return filter;
  }

  expand(): string[] {
    return this.stringList('expand', { max: 100 }) ?? [];
  }
}

/** Applies a metadata update (null value = remove) onto the current metadata. */
export function applyMetadata(
  current: Record<string, string>,
  update: MetadataUpdate | null | undefined,
): Record<string, string> {
  if (update === undefined) return current;
  if (update === null) return {};
  const next = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  if (Object.keys(next).length > 50)
    throw invalidRequest('Invalid metadata: metadata must have at most 50 keys.', 'metadata');
  return next;
}
