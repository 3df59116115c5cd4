import type { z } from 'zod';
import type { SandboxRequest } from '../kit/http';
import { parseJsonBody } from '../kit/server';
import { describeIssues, errorBody, invalidRequest, validationFailed } from './errors';

/** Reading requests: malformed JSON or query is a 400, a well-formed body breaking the schema a 422. */
export function parseBody<S extends z.ZodType>(schema: S, request: SandboxRequest): z.output<S> {
  const parsed = schema.safeParse(parseJsonBody(request.rawBody, errorBody));
  if (!parsed.success) throw validationFailed(describeIssues(parsed.error.issues));
  return parsed.data;
}

export function parseQuery<S extends z.ZodType>(schema: S, request: SandboxRequest): z.output<S> {
  const parsed = schema.safeParse(Object.fromEntries(request.query.entries()));
  if (!parsed.success) throw invalidRequest(describeIssues(parsed.error.issues));
  return parsed.data;
}
