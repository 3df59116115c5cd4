import fs from 'node:fs';
import path from 'node:path';
import type { JsonSchema } from './schemaValidator';

/**
 * Reads docs/monstock-api.yaml. js-yaml is only a transitive dev dependency (via jest's
 * istanbul), which is enough for a test helper; the narrow type below is all we rely on.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an untyped transitive package
const yaml = require('js-yaml') as { load(source: string): unknown };

export const SPEC_FILE = path.resolve(__dirname, '../../../../docs/monstock-api.yaml');

interface MediaType {
  schema?: JsonSchema;
}

interface ResponseSpec {
  description?: string;
  content?: Record<string, MediaType>;
}

interface OperationSpec {
  operationId?: string;
  requestBody?: { content?: Record<string, MediaType> };
  responses: Record<string, ResponseSpec>;
}

export interface OpenApiDocument {
  info: { description?: string };
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, OperationSpec | unknown>>;
  components: { schemas: Record<string, JsonSchema> };
}

export interface DocumentedResponse {
  path: string;
  method: string;
  status: string;
  operationId: string;
  schema?: JsonSchema;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export function loadSpec(file = SPEC_FILE): OpenApiDocument {
  return yaml.load(fs.readFileSync(file, 'utf8')) as OpenApiDocument;
}

/** Every (path, method, status) the document lists, with the response body schema if any. */
export function documentedResponses(spec: OpenApiDocument): DocumentedResponse[] {
  const out: DocumentedResponse[] = [];
  for (const [route, item] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const op = operation as OperationSpec;
      for (const [status, response] of Object.entries(op.responses)) {
        const schema = response.content?.['application/json']?.schema;
        out.push({
          path: route,
          method: method.toUpperCase(),
          status,
          operationId: op.operationId ?? `${method} ${route}`,
          ...(schema ? { schema } : {}),
        });
      }
    }
  }
  return out;
}

/** The `NNN code` pairs of the "Errors:" convention in info.description. */
export function documentedErrorCodes(spec: OpenApiDocument): Array<{ status: number; code: string }> {
  const description = spec.info.description ?? '';
  const errorsLine = description.split('\n- ').find((part) => part.trimStart().startsWith('Errors:')) ?? '';
  return [...errorsLine.matchAll(/\b(\d{3}) ([a-z][a-z_]+)/g)].map((found) => ({
    status: Number(found[1]),
    code: found[2] ?? '',
  }));
}

/** The path part of the first server URL ("/v1"), prefixed to every documented path. */
export function basePath(spec: OpenApiDocument): string {
  const server = spec.servers?.[0]?.url;
  return server ? new URL(server).pathname.replace(/\/$/, '') : '';
}

/** Which documented path template a concrete request path is, if any. */
export function matchTemplate(spec: OpenApiDocument, requestPath: string): string | undefined {
  const base = basePath(spec);
  if (!requestPath.startsWith(base)) return undefined;
  const rest = requestPath.slice(base.length);
  return Object.keys(spec.paths).find((template) => {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`);
    return pattern.test(rest);
  });
}
