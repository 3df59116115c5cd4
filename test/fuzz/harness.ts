import net from 'node:net';
import { Readable } from 'node:stream';
import { type Pool, request } from 'undici';
import type { FuzzCase } from './cases';

/** What one fuzz request came back with: a status, or why there was none. */
export interface FuzzOutcome {
  fuzzCase: FuzzCase;
  status?: number;
  error?: string;
  ms: number;
}

export const REQUEST_TIMEOUT_MS = 5_000;

/** Sends one case: through the keep-alive pool, or as raw bytes on its own socket. */
export async function send(pool: Pool, port: number, fuzzCase: FuzzCase): Promise<FuzzOutcome> {
  const started = Date.now();
  try {
    const status = fuzzCase.raw ? await sendRaw(port, fuzzCase.raw) : await sendWithUndici(pool, fuzzCase);
    return { fuzzCase, status, ms: Date.now() - started };
  } catch (error) {
    return { fuzzCase, error: `${(error as Error).name}: ${(error as Error).message}`, ms: Date.now() - started };
  }
}

async function sendWithUndici(pool: Pool, fuzzCase: FuzzCase): Promise<number> {
  const { body } = fuzzCase;
  const payload = body === undefined ? undefined : fuzzCase.chunked ? Readable.from(chunksOf(body, 64 * 1024)) : body;
  const answer = await pool.request({
    path: fuzzCase.path,
    method: fuzzCase.method as 'POST',
    headers: fuzzCase.headers,
    ...(payload !== undefined ? { body: payload } : {}),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  await answer.body.dump();
  return answer.statusCode;
}

function* chunksOf(buffer: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < buffer.length; offset += size) yield buffer.subarray(offset, offset + size);
}

/** Writes the bytes, reads until the server closes (or the timeout), returns the status line's code. */
export function sendRaw(port: number, bytes: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms (got ${JSON.stringify(received.slice(0, 80))})`));
    }, REQUEST_TIMEOUT_MS);
    const finish = () => {
      clearTimeout(timer);
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      if (match) resolve(Number(match[1]));
      else reject(new Error(`connection closed without a status line (got ${JSON.stringify(received.slice(0, 80))})`));
    };
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      // One answer is enough: a server that keeps the socket open must not make this wait.
      if (/^HTTP\/1\.[01] \d{3}[^\r]*\r\n[\s\S]*?\r\n\r\n/.test(received)) socket.destroy();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', finish);
  });
}

/** Runs `work` over `items` with at most `concurrency` in flight, in order of the list. */
export async function mapBounded<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      for (;;) {
        const index = next++;
        if (index >= items.length) return;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

export async function healthz(url: string): Promise<number> {
  const answer = await request(`${url}/healthz`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  await answer.body.dump();
  return answer.statusCode;
}

/** Why an outcome breaks the rules, or undefined when it keeps them. */
export function violation(outcome: FuzzOutcome): string | undefined {
  const { fuzzCase, status, error } = outcome;
  if (status === undefined) return `no answer: ${error}`;
  if (status >= 500) return `server error ${status}`;
  if (fuzzCase.exact !== undefined && status !== fuzzCase.exact) return `expected ${fuzzCase.exact}, got ${status}`;
  if (status >= 400 && status < 500) return undefined;
  if (status >= 200 && status < 300 && fuzzCase.allow2xx) return undefined;
  return `unexpected status ${status}`;
}

export function describeCase(outcome: FuzzOutcome, seed: number): string {
  const { fuzzCase } = outcome;
  const body = fuzzCase.raw ?? fuzzCase.body;
  const preview = body ? JSON.stringify(body.subarray(0, 160).toString('latin1')) : '(no body)';
  return [
    `#${fuzzCase.index} [${fuzzCase.source}/${fuzzCase.category}] ${fuzzCase.method} ${fuzzCase.path}: ${violation(outcome)} (seed ${seed}, replay with FUZZ_SEED=${seed})`,
    `   ${fuzzCase.note}`,
    `   headers ${JSON.stringify(fuzzCase.headers).slice(0, 300)}`,
    `   body (${body?.length ?? 0} bytes) ${preview}`,
  ].join('\n');
}
