import type http from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';

/**
 * The codec endpoint of Temporal's Web UI (`POST /codec/decode` and `/codec/encode`, payloads as
 * base64 JSON), served by the admin listener, which has authenticated the caller before this runs:
 * an operator signed in (or holding the admin token) sees decrypted payloads in the UI; without it
 * the UI shows ciphertext. Browser calls come from the UI's origin, hence CORS.
 */
const payloadsSchema = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), z.string()).nullish(), data: z.string().nullish() }))
    .max(1000),
});

export interface CodecEndpointOptions {
  codec: PayloadCodec;
  corsOrigins: readonly string[];
}

export type CodecAnswer = { status: number; body?: unknown; headers: Record<string, string> };

export function codecPath(pathname: string): 'encode' | 'decode' | undefined {
  if (pathname === '/codec/encode') return 'encode';
  if (pathname === '/codec/decode') return 'decode';
  return undefined;
}

/** The CORS headers for a request from `origin`: none unless it is one of the Web UI origins. */
export function codecCorsHeaders(options: Pick<CodecEndpointOptions, 'corsOrigins'>, origin: string | undefined) {
  const headers: Record<string, string> = {};
  if (origin && options.corsOrigins.includes(origin)) {
    headers['access-control-allow-origin'] = origin;
    headers['access-control-allow-credentials'] = 'true';
    headers['access-control-allow-headers'] = 'content-type, authorization, x-namespace';
    headers['access-control-allow-methods'] = 'POST, OPTIONS';
    headers.vary = 'Origin';
  }
  return headers;
}

/** Answers a codec request the admin listener has already let through (authenticated, or the development exception). */
export async function answerCodec(
  options: CodecEndpointOptions,
  operation: 'encode' | 'decode',
  request: http.IncomingMessage,
  rawBody: Buffer,
): Promise<CodecAnswer> {
  const headers = codecCorsHeaders(options, request.headers.origin);
  if (request.method === 'OPTIONS') return { status: 204, headers };
  if (request.method !== 'POST')
    return { status: 405, body: { error: 'method not allowed' }, headers: { ...headers, allow: 'POST, OPTIONS' } };
  let parsed;
  try {
    parsed = payloadsSchema.safeParse(JSON.parse(rawBody.toString('utf8')));
  } catch {
    return { status: 400, body: { error: 'body is not JSON' }, headers };
  }
  if (!parsed.success) return { status: 400, body: { error: 'expected { payloads: [{ metadata, data }] }' }, headers };
  const payloads: Payload[] = parsed.data.payloads.map((payload) => ({
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
    ),
    data: Buffer.from(payload.data ?? '', 'base64'),
  }));
  try {
    const result = operation === 'decode' ? await options.codec.decode(payloads) : await options.codec.encode(payloads);
    return {
      status: 200,
      headers: { ...headers, 'content-type': 'application/json' },
      body: {
        payloads: result.map((payload) => ({
          metadata: Object.fromEntries(
            Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
          ),
          data: Buffer.from(payload.data ?? []).toString('base64'),
        })),
      },
    };
  } catch (error) {
    return { status: 400, body: { error: `could not ${operation}: ${(error as Error).message}` }, headers };
  }
}
