import { request } from 'undici';
import { z } from 'zod';

/**
 * The connector's Stripe rate as the run reports it. Primary: the Stripe edge's count
 * (`GET /_edge/requests`, topology/stripeEdge.ts), taken on arrival in front of Stripe by a
 * process that does nothing else, with its own event-loop delay. Secondary: the Stripe sandbox's
 * own count (`GET /_sandbox/requests`) and stall, kept to show how far a busy server's count
 * drifts from what was sent. Both over any one-second window wherever it starts (`perWindow`,
 * the count a limiter keeps; clock seconds would miss a burst straddling two of them), for the
 * connector's own client (its SDK sends `monstock-stripe` as its app name; the shop's sends none).
 */
export const CONNECTOR_CLIENT = 'monstock-stripe';

const arrival = z.object({ atMs: z.number(), route: z.string() });
const clientCounts = z.object({
  total: z.number().int().nonnegative(),
  byRoute: z.record(z.string(), z.number().int().nonnegative()),
  window: z.object({ count: z.number().int().nonnegative(), endMs: z.number().nullable(), arrivals: z.array(arrival) }),
  clockSecond: z.object({ count: z.number().int().nonnegative(), second: z.number().int().nullable() }),
});
const delay = z.object({ max: z.number().nonnegative(), p99: z.number().nonnegative() });
const edgeSchema = z.object({
  byClient: z.record(z.string(), clientCounts),
  eventLoopDelayMs: delay,
  upstreamErrors: z.number().int().nonnegative(),
});
const arrivalsSchema = z.object({ client: z.string(), times: z.array(z.number()) });
const busiest = z.object({ count: z.number().int().nonnegative(), second: z.number().int().nullable() });
const sandboxSchema = z.object({
  perWindow: z.object({ max: busiest, maxByClient: z.record(z.string(), busiest) }),
  eventLoopDelayMs: delay,
});

export interface StripeRate {
  edge: {
    /** The connector's busiest one-second window at the edge, wherever it starts. */
    connector: number;
    /** The connector's busiest clock second at the edge (never above the any-window count). */
    connectorClockSecond: number;
    connectorTotal: number;
    /** Requests at the edge from any other client (none expected: only the connector goes through it). */
    otherClients: Record<string, number>;
    /** The busiest window's arrivals: ms after its first, and route. */
    busiestWindow: Array<{ atMs: number; route: string }>;
    /** Every connector arrival time (Unix ms), in order. */
    arrivalTimes: number[];
    /** How late the edge's own event loop ran: an arrival is timestamped at most this late. */
    eventLoopDelayMs: { max: number; p99: number };
    upstreamErrors: number;
  };
  sandbox: {
    /** The connector's busiest one-second window as the sandbox counted it. */
    connector: number;
    /** Every client together (the shop's requests too). */
    allClients: number;
    eventLoopDelayMs: { max: number; p99: number };
  };
}

export async function readStripeRate(urls: { edge: string; sandbox: string }): Promise<StripeRate> {
  const edge = edgeSchema.parse(await getJson(`${urls.edge}/_edge/requests`));
  const arrivals = arrivalsSchema.parse(await getJson(`${urls.edge}/_edge/arrivals?client=${CONNECTOR_CLIENT}`));
  const sandbox = sandboxSchema.parse(await getJson(`${urls.sandbox}/_sandbox/requests`));
  const connector = edge.byClient[CONNECTOR_CLIENT];
  const otherClients: Record<string, number> = {};
  for (const [client, counts] of Object.entries(edge.byClient))
    if (client !== CONNECTOR_CLIENT) otherClients[client] = counts.total;
  return {
    edge: {
      connector: connector?.window.count ?? 0,
      connectorClockSecond: connector?.clockSecond.count ?? 0,
      connectorTotal: connector?.total ?? 0,
      otherClients,
      busiestWindow: connector?.window.arrivals ?? [],
      arrivalTimes: arrivals.times,
      eventLoopDelayMs: edge.eventLoopDelayMs,
      upstreamErrors: edge.upstreamErrors,
    },
    sandbox: {
      connector: sandbox.perWindow.maxByClient[CONNECTOR_CLIENT]?.count ?? 0,
      allClients: sandbox.perWindow.max.count,
      eventLoopDelayMs: sandbox.eventLoopDelayMs,
    },
  };
}

async function getJson(url: string): Promise<unknown> {
  const answer = await request(url);
  if (answer.statusCode !== 200) throw new Error(`GET ${url} answered ${answer.statusCode}`);
  return answer.body.json();
}

/**
 * The most connector requests the edge may count in one second with the budget kept. The
 * connector's limiter spaces requests (1000 ms + its margin) / limit apart, so requests it sends
 * within the budget span more than a second for every `limit` of them. The edge timestamps an
 * arrival when its event loop reads it: a stall of d ms lets requests that arrived over 1000 + d ms
 * be stamped within 1000 ms, i.e. up to limit × (1000 + d) / 1000 of them; nothing else can crowd
 * them. With the edge's stalls a few ms long that is the limit itself (25 × 1.02 rounds down to
 * 25); a long stall of the edge's, not the sandbox's, is the only thing that widens it.
 */
export function edgeArrivalsAllowed(limitPerSecond: number, edgeEventLoopDelayMaxMs: number): number {
  return Math.floor((limitPerSecond * (1000 + edgeEventLoopDelayMaxMs)) / 1000);
}

/**
 * The shortest time (ms) in which `count` of these arrivals came, or null when fewer came. Asked
 * for limit + 1, it says how close the run came to overspending: `count` arrivals fit in a
 * one-second window (which holds what arrived in the 1000 ms ending at its last) exactly when
 * this is under 1000, so what it exceeds 1000 ms by is the budget's measured slack.
 */
export function shortestSpanMs(times: readonly number[], count: number): number | null {
  if (count < 1 || times.length < count) return null;
  let shortest = Number.POSITIVE_INFINITY;
  for (let first = 0; first + count - 1 < times.length; first += 1)
    shortest = Math.min(shortest, times[first + count - 1]! - times[first]!);
  return shortest;
}
