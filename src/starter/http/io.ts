import type http from 'node:http';

/** Request bodies the connector reads (webhooks, codec calls) are capped at 1 MiB. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function json(
  outgoing: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  outgoing.writeHead(status, { 'content-type': 'application/json', ...headers });
  outgoing.end(JSON.stringify(body));
}

/** The whole body, or 'too_large' past `MAX_BODY_BYTES` (the rest is drained, not kept). */
export function readLimitedBody(incoming: http.IncomingMessage): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    if (Number(incoming.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
      incoming.resume();
      resolve('too_large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    incoming.on('end', () => resolve(size > MAX_BODY_BYTES ? 'too_large' : Buffer.concat(chunks)));
    incoming.on('error', reject);
  });
}
