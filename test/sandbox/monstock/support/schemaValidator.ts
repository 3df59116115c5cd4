/**
 * A validator for the slice of JSON Schema the Monstock contract uses: type (also as an array,
 * for nullable), required, properties, additionalProperties, enum, items, $ref, allOf,
 * minimum/maximum and format date-time. In strict mode a property no schema declares is an
 * error too, so the sandbox cannot leak fields the contract does not promise.
 */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  required?: string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  enum?: unknown[];
  items?: JsonSchema;
  allOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  format?: string;
  description?: string;
  default?: unknown;
}

export interface ValidationContext {
  root: { components: { schemas: Record<string, JsonSchema> } };
  strict: boolean;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function validate(schema: JsonSchema, value: unknown, context: ValidationContext): string[] {
  const errors: string[] = [];
  check(schema, value, '$', context, errors, false);
  return errors;
}

function resolve(schema: JsonSchema, context: ValidationContext): JsonSchema {
  let current = schema;
  for (let hops = 0; current.$ref; hops += 1) {
    const name = /^#\/components\/schemas\/(.+)$/.exec(current.$ref)?.[1];
    const target = name ? context.root.components.schemas[name] : undefined;
    if (!target || hops > 20) throw new Error(`Unresolvable $ref ${current.$ref}`);
    current = target;
  }
  return current;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(expected: string, value: unknown): boolean {
  const actual = typeOf(value);
  return expected === actual || (expected === 'number' && actual === 'integer');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The property names a schema declares, and whether it lets others through. */
function declared(schema: JsonSchema, context: ValidationContext): { names: Set<string>; open: boolean } {
  const resolved = resolve(schema, context);
  if (resolved.allOf) {
    const names = new Set<string>();
    let open = false;
    for (const branch of resolved.allOf) {
      const part = declared(branch, context);
      part.names.forEach((name) => names.add(name));
      open ||= part.open;
    }
    return { names, open };
  }
  return {
    names: new Set(Object.keys(resolved.properties ?? {})),
    open:
      resolved.properties === undefined ||
      (resolved.additionalProperties !== undefined && resolved.additionalProperties !== false),
  };
}

function check(
  schema: JsonSchema,
  value: unknown,
  at: string,
  context: ValidationContext,
  errors: string[],
  keysCheckedAbove: boolean,
): void {
  const resolved = resolve(schema, context);
  if (resolved.allOf) {
    for (const branch of resolved.allOf) check(branch, value, at, context, errors, true);
    if (context.strict && !keysCheckedAbove && isObject(value)) reportUndeclared(resolved, value, at, context, errors);
  }
  if (resolved.type !== undefined) {
    const types = Array.isArray(resolved.type) ? resolved.type : [resolved.type];
    if (!types.some((type) => typeMatches(type, value))) {
      errors.push(`${at}: expected ${types.join(' or ')}, got ${typeOf(value)}`);
      return;
    }
  }
  if (resolved.enum && !resolved.enum.includes(value))
    errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(resolved.enum)}`);
  if (typeof value === 'number') {
    if (resolved.minimum !== undefined && value < resolved.minimum)
      errors.push(`${at}: ${value} < minimum ${resolved.minimum}`);
    if (resolved.maximum !== undefined && value > resolved.maximum)
      errors.push(`${at}: ${value} > maximum ${resolved.maximum}`);
  }
  if (
    typeof value === 'string' &&
    resolved.format === 'date-time' &&
    (!RFC3339.test(value) || Number.isNaN(Date.parse(value)))
  ) {
    errors.push(`${at}: ${JSON.stringify(value)} is not an RFC 3339 date-time`);
  }
  if (Array.isArray(value) && resolved.items)
    value.forEach((item, index) =>
      check(resolved.items as JsonSchema, item, `${at}[${index}]`, context, errors, false),
    );
  if (isObject(value)) {
    for (const name of resolved.required ?? [])
      if (!(name in value)) errors.push(`${at}: missing required property ${name}`);
    const properties = resolved.properties ?? {};
    for (const [name, item] of Object.entries(value)) {
      const propertySchema = properties[name];
      if (propertySchema) check(propertySchema, item, `${at}.${name}`, context, errors, false);
      else if (typeof resolved.additionalProperties === 'object')
        check(resolved.additionalProperties, item, `${at}.${name}`, context, errors, false);
      else if (resolved.additionalProperties === false) errors.push(`${at}: property ${name} is not allowed`);
    }
    if (context.strict && !keysCheckedAbove && !resolved.allOf && resolved.properties)
      reportUndeclared(resolved, value, at, context, errors);
  }
}

function reportUndeclared(
  schema: JsonSchema,
  value: Record<string, unknown>,
  at: string,
  context: ValidationContext,
  errors: string[],
): void {
  const { names, open } = declared(schema, context);
  if (open) return;
  for (const name of Object.keys(value))
    if (!names.has(name)) errors.push(`${at}: property ${name} is not in the contract`);
}
