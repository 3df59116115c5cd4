import { request } from 'undici';
import { z } from 'zod';

/**
 * What a sandbox itself says it served, from its own request log (`GET /_sandbox/requests`,
 * every API request counted on arrival) and fault counters (`GET /_sandbox/faults/injected`,
 * requests answered 429 or 500 by a fault knob rather than served). Read from the sandbox, not
 * from what the connector reports about itself.
 */
const requestLogSchema = z.object({ total: z.number(), byRoute: z.record(z.string(), z.number()) });
const injectedSchema = z.object({ rateLimited: z.number(), serverErrors: z.number() });

export interface SandboxRequestReading {
  total: number;
  byRoute: Record<string, number>;
  refusedByFaults: number;
}

async function getJson(url: string): Promise<unknown> {
  const answer = await request(url, { headersTimeout: 5_000, bodyTimeout: 5_000 });
  const text = await answer.body.text();
  if (answer.statusCode !== 200) throw new Error(`${url} answered ${answer.statusCode}`);
  return JSON.parse(text) as unknown;
}

export async function readSandboxRequests(baseUrl: string): Promise<SandboxRequestReading> {
  const [log, injected] = await Promise.all([
    getJson(`${baseUrl}/_sandbox/requests`).then((value) => requestLogSchema.parse(value)),
    getJson(`${baseUrl}/_sandbox/faults/injected`).then((value) => injectedSchema.parse(value)),
  ]);
  return { total: log.total, byRoute: log.byRoute, refusedByFaults: injected.rateLimited + injected.serverErrors };
}

/** Requests the sandbox served between two readings (arrivals minus those a fault knob refused). */
export function servedBetween(
  before: SandboxRequestReading,
  after: SandboxRequestReading,
): { served: number; refused: number; byRoute: Record<string, number> } {
  const byRoute: Record<string, number> = {};
  for (const [route, count] of Object.entries(after.byRoute)) {
    const delta = count - (before.byRoute[route] ?? 0);
    if (delta > 0) byRoute[route] = delta;
  }
  const refused = after.refusedByFaults - before.refusedByFaults;
  return { served: after.total - before.total - refused, refused, byRoute };
}
