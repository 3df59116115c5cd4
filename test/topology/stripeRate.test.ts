import type http from 'node:http';
import { RequestLog } from '../../sandbox/stripe/requestLog';

/**
 * The Stripe sandbox's own count, which the topology reports beside the Stripe edge's (the judge;
 * test/topology/stripeEdge.test.ts). A limiter allowing N a second allows no more than N in any
 * one-second window; clock seconds would hide a burst across their boundary, so the count over any
 * window is the one the run reports.
 */
function arrive(log: RequestLog, userAgent: string): void {
  const request = { url: '/v1/charges', method: 'GET', headers: { 'user-agent': userAgent } };
  const response = { once: () => undefined, statusCode: 200 };
  log.observe(request as unknown as http.IncomingMessage, response as unknown as http.ServerResponse);
}

const CONNECTOR = 'Stripe/v1 NodeBindings/18.0.0 monstock-stripe/1.0.0';

describe('the Stripe sandbox counting requests per second', () => {
  it('counts a burst across a clock second once in any window, where clock seconds see half', () => {
    let now = 10_000;
    const log = new RequestLog(() => now);
    // 20 requests in the last 200 ms of one second, 20 in the first 200 ms of the next.
    for (let i = 0; i < 20; i += 1) {
      now = 10_800 + i * 10;
      arrive(log, CONNECTOR);
    }
    for (let i = 0; i < 20; i += 1) {
      now = 11_000 + i * 10;
      arrive(log, CONNECTOR);
    }
    const reading = log.read();
    expect(reading.perSecond.maxByClient['monstock-stripe']?.count).toBe(20);
    expect(reading.perWindow.maxByClient['monstock-stripe']?.count).toBe(40);
    // The shop's own client (no app name) is counted apart.
    now = 11_300;
    arrive(log, 'Stripe/v1 NodeBindings/18.0.0');
    expect(log.read().perWindow.maxByClient.unnamed?.count).toBe(1);
    // Every client together: that one too, within the same second as the burst.
    expect(log.read().perWindow.max.count).toBe(41);
  });

  it('counts an even 25 a second as 25, never 26', () => {
    let now = 0;
    const log = new RequestLog(() => now);
    for (let i = 0; i < 250; i += 1) {
      now = i * 40;
      arrive(log, CONNECTOR);
    }
    expect(log.read().perWindow.maxByClient['monstock-stripe']?.count).toBe(25);
  });
});
