import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { fetch } from 'undici';
import { createLogger } from '../../../src/observability/logger';
import { startStripeSandbox, type StripeSandbox, type StripeSandboxOptions } from '../../../sandbox/stripe/app';

/** Shared fixtures for the Stripe sandbox tests: a sandbox, an SDK client, a webhook receiver. */
export const SECRET_KEY = 'sk_test_sandbox_4242abcd';

export function tempDataFile(): { file: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stripe-sandbox-'));
  return { file: path.join(dir, 'stripe.sqlite'), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export const quietLogger = createLogger({ level: 'error', write: () => undefined });

export async function startSandbox(options: Partial<StripeSandboxOptions> = {}): Promise<StripeSandbox> {
  return startStripeSandbox({
    dataFile: ':memory:',
    secretKey: SECRET_KEY,
    logger: quietLogger,
    webhookBackoffBaseMs: 50,
    sepaSettleMs: 300,
    disputeDelayMs: 50,
    ...options,
  });
}

export function client(sandbox: { port: number }, key = SECRET_KEY): Stripe {
  return new Stripe(key, { host: '127.0.0.1', port: sandbox.port, protocol: 'http', maxNetworkRetries: 0 });
}

export async function adminPost<T = unknown>(
  sandbox: { url: string },
  route: string,
  body: unknown = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${sandbox.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

export async function adminGet<T = unknown>(
  sandbox: { url: string },
  route: string,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${sandbox.url}${route}`);
  return { status: response.status, body: (await response.json()) as T };
}

export interface ReceivedWebhook {
  rawBody: string;
  signature: string;
  receivedAt: number;
}

/** A local endpoint that records what it receives and answers with a status chosen per call. */
export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  respondWith(status: number): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let status = 200;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (status >= 200 && status < 300) {
        received.push({
          rawBody: Buffer.concat(chunks).toString('utf8'),
          signature: String(request.headers['stripe-signature'] ?? ''),
          receivedAt: Date.now(),
        });
      }
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    respondWith: (next) => {
      status = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Verifies every received delivery with the SDK, exactly as a connector's webhook route would. */
export function verifiedEvents(stripe: Stripe, receiver: WebhookReceiver, secret: string): Stripe.Event[] {
  return receiver.received.map((delivery) =>
    stripe.webhooks.constructEvent(delivery.rawBody, delivery.signature, secret),
  );
}

export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
