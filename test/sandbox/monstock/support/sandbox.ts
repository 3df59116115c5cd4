import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { request } from 'undici';
import { createLogger, type Logger } from '../../../../src/observability/logger';
import {
  startMonstockSandbox,
  type MonstockSandbox,
  type MonstockSandboxOptions,
} from '../../../../sandbox/monstock/app';

/** Starts a sandbox on a free port with its own temp data file, and talks HTTP to it. */
export const TEST_TOKEN = 'test-monstock-token-123';
export const TEST_SECRET = 'test-monstock-webhook-secret-456';

export const silentLogger: Logger = createLogger({ write: () => undefined });

export interface HttpAnswer<T = unknown> {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: T;
}

export interface CallOptions {
  body?: unknown;
  /** Sent as is, bypassing JSON encoding (malformed JSON, oversized or chunked bodies). */
  rawBody?: string | Buffer | Readable;
  headers?: Record<string, string>;
  /** null sends no Authorization header at all. */
  token?: string | null;
}

export type Call = <T = unknown>(method: string, pathAndQuery: string, options?: CallOptions) => Promise<HttpAnswer<T>>;

export function httpClient(baseUrl: string): Call {
  return async <T>(method: string, pathAndQuery: string, options: CallOptions = {}): Promise<HttpAnswer<T>> => {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? TEST_TOKEN : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let payload: string | Buffer | Readable | undefined = options.rawBody;
    if (payload === undefined && options.body !== undefined) payload = JSON.stringify(options.body);
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    const answer = await request(`${baseUrl}${pathAndQuery}`, {
      method: method as 'GET',
      headers,
      ...(payload !== undefined ? { body: payload } : {}),
    });
    const text = await answer.body.text();
    const flatHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(answer.headers))
      if (value !== undefined) flatHeaders[name] = String(value);
    let body: unknown = undefined;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: answer.statusCode, headers: flatHeaders, text, body: body as T };
  };
}

export interface TestSandbox {
  sandbox: MonstockSandbox;
  dataFile: string;
  call: Call;
  close(): Promise<void>;
  /** Closes and deletes the temp folder. */
  dispose(): Promise<void>;
}

export function tempDataFile(): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'monstock-sandbox-test-'));
  return { dir, file: path.join(dir, 'monstock-sandbox.sqlite') };
}

export async function startTestSandbox(options: Partial<MonstockSandboxOptions> = {}): Promise<TestSandbox> {
  const temp = options.dataFile ? undefined : tempDataFile();
  const dataFile = options.dataFile ?? temp?.file ?? ':memory:';
  const sandbox = await startMonstockSandbox({
    port: 0,
    apiToken: TEST_TOKEN,
    webhookSecret: TEST_SECRET,
    logger: silentLogger,
    webhookBackoffBaseMs: 50,
    ...options,
    dataFile,
  });
  return {
    sandbox,
    dataFile,
    call: httpClient(sandbox.url),
    close: () => sandbox.close(),
    async dispose() {
      await sandbox.close();
      if (temp) fs.rmSync(temp.dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` holds; fails with `what` after the timeout. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
