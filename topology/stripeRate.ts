import { request } from 'undici';
import { z } from 'zod';

/**
 * The busiest second the Stripe sandbox itself counted (`GET /_sandbox/requests`, perSecond):
 * over every request, and for the connector's own client (its SDK sends `monstock-stripe` as its
 * app name; the shop's client sends none), which is what the connector's budget is about.
 */
const busiest = z.object({ count: z.number().int().nonnegative(), second: z.number().int().nullable() });
const readingSchema = z.object({
  perSecond: z.object({ max: busiest, maxByClient: z.record(z.string(), busiest) }),
});

export const CONNECTOR_CLIENT = 'monstock-stripe';

export interface StripeRate {
  /** The connector's busiest second. */
  connector: number;
  /** Every client together (the shop's own requests too). */
  allClients: number;
}

export async function readStripeRate(stripeSandboxUrl: string): Promise<StripeRate> {
  const answer = await request(`${stripeSandboxUrl}/_sandbox/requests`);
  if (answer.statusCode !== 200) throw new Error(`GET /_sandbox/requests answered ${answer.statusCode}`);
  const reading = readingSchema.parse(await answer.body.json());
  return {
    connector: reading.perSecond.maxByClient[CONNECTOR_CLIENT]?.count ?? 0,
    allClients: reading.perSecond.max.count,
  };
}
