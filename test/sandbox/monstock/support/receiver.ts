import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MonstockEvent } from '../../../../sandbox/monstock/types';

/** A stand-in for the connector's webhook endpoint that records every delivery attempt. */
export interface ReceivedDelivery {
  at: number;
  raw: string;
  signature: string;
  event: MonstockEvent;
  /** What the receiver answered. */
  answered: number;
}

export interface Receiver {
  url: string;
  /** Every attempt, in arrival order, including the ones answered with an error. */
  attempts: ReceivedDelivery[];
  /** Attempts answered 2xx. */
  delivered(): ReceivedDelivery[];
  close(): Promise<void>;
}

export type Responder = (event: MonstockEvent, attemptIndex: number) => number;

export async function startReceiver(respond: Responder = () => 200): Promise<Receiver> {
  const attempts: ReceivedDelivery[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const event = JSON.parse(raw) as MonstockEvent;
      const answered = respond(event, attempts.length);
      attempts.push({
        at: Date.now(),
        raw,
        signature: String(request.headers['monstock-signature'] ?? ''),
        event,
        answered,
      });
      response.writeHead(answered, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/webhooks/monstock`,
    attempts,
    delivered: () => attempts.filter((attempt) => attempt.answered >= 200 && attempt.answered < 300),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Recomputes the signature the way the contract describes it, independently of the sandbox. */
export function signatureIsValid(header: string, raw: string, secret: string, toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=') as [string, string]));
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || !parts.v1) return false;
  if (Math.abs(Date.now() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = crypto.createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex');
  return parts.v1.length === expected.length && crypto.timingSafeEqual(Buffer.from(parts.v1), Buffer.from(expected));
}
