import type { z } from 'zod';
import { HttpError } from '../kit/http';

/** Monstock's error body and the throwable form handlers use to answer with it. */
export type ErrorCode =
  | 'invalid_request'
  | 'unauthorized'
  | 'not_found'
  | 'conflict'
  | 'version_mismatch'
  | 'payload_too_large'
  | 'validation_failed'
  | 'rate_limited'
  | 'server_error';

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(_status: number, code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

export function apiError(
  status: number,
  code: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
): HttpError {
  return new HttpError(status, errorBody(status, code, message), headers);
}

export const invalidRequest = (message: string): HttpError => apiError(400, 'invalid_request', message);
export const notFound = (message: string): HttpError => apiError(404, 'not_found', message);
export const conflict = (message: string): HttpError => apiError(409, 'conflict', message);
export const versionMismatch = (message: string): HttpError => apiError(412, 'version_mismatch', message);
export const validationFailed = (message: string): HttpError => apiError(422, 'validation_failed', message);

/** One line per problem, each starting with the field path, so a client can tell what to fix. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const field = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => `${field ? `${field}.` : ''}${key}: unknown field`).join('; ');
      }
      const message =
        issue.code === 'invalid_type' && /received undefined$/.test(issue.message) ? 'is required' : issue.message;
      return `${field || 'body'}: ${message}`;
    })
    .join('; ');
}
