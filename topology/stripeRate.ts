import { request } from 'undici';
import { z } from 'zod';

/**
 * The busiest second the Stripe sandbox itself counted (`GET /_sandbox/requests`): over every
 * request, and for the connector's own client (its SDK sends `monstock-stripe` as its app name;
 * the shop's client sends none), which is what the connector's budget is about. Read over any
 * window of one second (`perWindow`), the count a rate limiter keeps, not over clock seconds
 * (`perSecond`), which would miss a burst straddling two of them; both are answered.
 */
const busiest = z.object({ count: z.number().int().nonnegative(), second: z.number().int().nullable() });
const readingSchema = z.object({
  perSecond: z.object({ max: busiest, maxByClient: z.record(z.string(), busiest) }),
  perWindow: z.object({ max: busiest, maxByClient: z.record(z.string(), busiest) }),
  eventLoopDelayMs: z.object({ max: z.number().nonnegative(), p99: z.number().nonnegative() }),
});

export const CONNECTOR_CLIENT = 'monstock-stripe';

export interface StripeRate {
  /** The connector's busiest one-second window, wherever it starts. */
  connector: number;
  /** Every client together (the shop's own requests too), any one-second window. */
  allClients: number;
  /** The connector's busiest clock second, as a fixed-window server would count. */
  connectorClockSecond: number;
  /** The sandbox's own event-loop delay: a stall this long crowds requests counted on arrival. */
  sandboxEventLoopDelayMs: { max: number; p99: number };
}

export async function readStripeRate(stripeSandboxUrl: string): Promise<StripeRate> {
  const answer = await request(`${stripeSandboxUrl}/_sandbox/requests`);
  if (answer.statusCode !== 200) throw new Error(`GET /_sandbox/requests answered ${answer.statusCode}`);
  const reading = readingSchema.parse(await answer.body.json());
  return {
    connector: reading.perWindow.maxByClient[CONNECTOR_CLIENT]?.count ?? 0,
    allClients: reading.perWindow.max.count,
    connectorClockSecond: reading.perSecond.maxByClient[CONNECTOR_CLIENT]?.count ?? 0,
    sandboxEventLoopDelayMs: reading.eventLoopDelayMs,
  };
}
