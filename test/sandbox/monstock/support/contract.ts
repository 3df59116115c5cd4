import type { Call, CallOptions, HttpAnswer } from './sandbox';
import {
  basePath,
  documentedErrorCodes,
  documentedResponses,
  matchTemplate,
  type DocumentedResponse,
  type OpenApiDocument,
} from './openapi';
import { validate, type JsonSchema } from './schemaValidator';

/**
 * Wraps the HTTP client so every API answer is checked against docs/monstock-api.yaml and
 * ticked off in a ledger; a test file then proves it exercised every documented
 * (path, method, status) and every documented error code.
 */
const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
};

export interface ContractClient {
  call: Call;
  /** Documented success responses no call has produced yet, as "METHOD /path STATUS". */
  unexercised(): string[];
  /** Documented error codes no call has produced yet, as "STATUS code". */
  unexercisedErrorCodes(): string[];
  documented: DocumentedResponse[];
}

export class ContractViolation extends Error {}

export function contractClient(spec: OpenApiDocument, raw: Call): ContractClient {
  const documented = documentedResponses(spec);
  const errorCodes = documentedErrorCodes(spec);
  const seen = new Set<string>();
  const seenErrors = new Set<string>();
  const base = basePath(spec);
  const context = { root: spec, strict: true };

  const call: Call = async <T>(method: string, pathAndQuery: string, options?: CallOptions): Promise<HttpAnswer<T>> => {
    const answer = await raw<T>(method, pathAndQuery, options);
    const requestPath = pathAndQuery.split('?')[0] ?? '';
    if (!requestPath.startsWith(`${base}/`)) return answer;
    const where = `${method} ${pathAndQuery} -> ${answer.status}`;
    const template = matchTemplate(spec, requestPath);
    const entry = template
      ? documented.find((doc) => doc.path === template && doc.method === method && doc.status === String(answer.status))
      : undefined;
    if (entry) seen.add(key(entry));
    if (answer.status >= 400) {
      // 5xx is documented once for every operation, in the Errors convention.
      if (template && !entry && answer.status < 500)
        throw new ContractViolation(`${where}: status ${answer.status} is not documented for ${method} ${template}`);
      const problems = validate(ERROR_SCHEMA, answer.body, context);
      if (problems.length)
        throw new ContractViolation(`${where}: error body breaks the contract: ${problems.join('; ')}\n${answer.text}`);
      const code = (answer.body as { error: { code: string } }).error.code;
      const expectedCode = errorCodes.find((pair) => pair.status === answer.status)?.code;
      if (expectedCode && code !== expectedCode)
        throw new ContractViolation(`${where}: code ${code}, the contract says ${expectedCode}`);
      if (answer.status === 429 && !/^\d+$/.test(answer.headers['retry-after'] ?? ''))
        throw new ContractViolation(`${where}: 429 without Retry-After seconds`);
      seenErrors.add(`${answer.status} ${code}`);
      return answer;
    }
    if (template && !entry)
      throw new ContractViolation(`${where}: status ${answer.status} is not documented for ${method} ${template}`);
    if (!(answer.headers['content-type'] ?? '').startsWith('application/json'))
      throw new ContractViolation(`${where}: not JSON`);
    if (entry?.schema) {
      const problems = validate(entry.schema, answer.body, context);
      if (problems.length)
        throw new ContractViolation(`${where}: body breaks ${entry.operationId}'s schema:\n  ${problems.join('\n  ')}`);
    }
    return answer;
  };

  return {
    call,
    documented,
    // Success answers per operation; error answers are ticked off by code (unexercisedErrorCodes),
    // and schemathesis.test.ts checks every operation's error statuses against the contract.
    unexercised: () => documented.filter((doc) => Number(doc.status) < 400 && !seen.has(key(doc))).map(key),
    unexercisedErrorCodes: () =>
      errorCodes.map((pair) => `${pair.status} ${pair.code}`).filter((pair) => !seenErrors.has(pair)),
  };
}

function key(doc: { method: string; path: string; status: string }): string {
  return `${doc.method} ${doc.path} ${doc.status}`;
}
