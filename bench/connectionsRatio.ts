import type { CostProcess } from './costMeter';

/**
 * Issue 16's bench criterion, "ingest and end-to-end with 100 connections cost within 10% of one
 * connection", read from two runs of the same measurements: `one` (the default connection only)
 * and `many` (load round-robin over `count` connections). Costs per payment and per event (CPU-ms
 * from /proc) decide it, being steadier than rates on a shared machine; rates and idle cost are
 * reported beside them.
 */
export interface ConnectionsRunFigures {
  connections: number;
  /** The ingest webhook server's CPU-ms per accepted event. */
  ingestWebhooksCpuMsPerEvent: number | null;
  ingestEventsPerSecond: number | null;
  endToEndSustainedPerSecond: number | null;
  cpuMsPerPayment: Partial<Record<CostProcess, number | null>> | undefined;
  connectorCpuMsPerPayment: number | null;
  /** Every process of the stack together, the bench's own load generator left out. */
  idleStackCpuMsPerSecond: number | null;
}

/** The gauges `withinTenPercent` is decided on: many / one must be at most 1 + tolerance for each. */
export const COMPARED_COSTS = [
  'connectorCpuMsPerPayment',
  'stackCpuMsPerPayment',
  'ingestWebhooksCpuMsPerEvent',
] as const;

export interface ConnectionsComparison {
  count: number;
  tolerance: number;
  compared: readonly string[];
  /** many / one of the connector's (worker + webhooks) CPU-ms per payment. */
  connectorCpuMsPerPaymentRatio: number | null;
  /** many / one of every stack process's CPU-ms per payment together (load generator left out). */
  stackCpuMsPerPaymentRatio: number | null;
  /** many / one of the ingest webhook server's CPU-ms per accepted event. */
  ingestWebhooksCpuMsPerEventRatio: number | null;
  /** many / one of the ingest rate at saturation (a rate: higher is better, noisy). */
  ingestRatio: number | null;
  /** many / one of endToEnd.sustainedPerSecond (a rate: higher is better, noisy). */
  endToEndSustainedRatio: number | null;
  /** many / one per process, CPU-ms per payment. */
  cpuMsPerPaymentRatioByProcess: Partial<Record<CostProcess, number | null>>;
  /** many / one of the stack's CPU-ms per second with no load: the connections' always-on work. */
  idleStackCpuMsPerSecondRatio: number | null;
  /** Processes whose CPU-ms per payment grew beyond the tolerance, with the added ms. */
  overTolerance: Array<{ process: string; one: number; many: number; addedMsPerPayment: number }>;
  withinTenPercent: boolean;
  /** The rates, for the record: many at least (1 - tolerance) of one. */
  ratesWithinTenPercent: boolean;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

export function costRatio(one: number | null | undefined, many: number | null | undefined): number | null {
  if (one === null || one === undefined || many === null || many === undefined || one <= 0) return null;
  return round3(many / one);
}

/** Sum of every process's CPU-ms per payment but the load generator's; null when one is unknown. */
export function stackCpuMsPerPayment(byProcess: ConnectionsRunFigures['cpuMsPerPayment']): number | null {
  if (!byProcess) return null;
  let total = 0;
  for (const [name, value] of Object.entries(byProcess)) {
    if (name === 'load') continue;
    if (value === null || value === undefined) return null;
    total += value;
  }
  return Math.round(total * 100) / 100;
}

export function compareConnectionRuns(
  one: ConnectionsRunFigures,
  many: ConnectionsRunFigures,
  tolerance = 0.1,
): ConnectionsComparison {
  const byProcess: Partial<Record<CostProcess, number | null>> = {};
  const overTolerance: ConnectionsComparison['overTolerance'] = [];
  for (const [name, value] of Object.entries(one.cpuMsPerPayment ?? {}) as Array<[CostProcess, number | null]>) {
    const other = many.cpuMsPerPayment?.[name];
    byProcess[name] = costRatio(value, other);
    const ratio = byProcess[name];
    if (ratio !== null && ratio !== undefined && ratio > 1 + tolerance && value !== null && other != null)
      overTolerance.push({
        process: name,
        one: value,
        many: other,
        addedMsPerPayment: Math.round((other - value) * 100) / 100,
      });
  }
  overTolerance.sort((a, b) => b.addedMsPerPayment - a.addedMsPerPayment);
  const costs = {
    connectorCpuMsPerPaymentRatio: costRatio(one.connectorCpuMsPerPayment, many.connectorCpuMsPerPayment),
    stackCpuMsPerPaymentRatio: costRatio(
      stackCpuMsPerPayment(one.cpuMsPerPayment),
      stackCpuMsPerPayment(many.cpuMsPerPayment),
    ),
    ingestWebhooksCpuMsPerEventRatio: costRatio(one.ingestWebhooksCpuMsPerEvent, many.ingestWebhooksCpuMsPerEvent),
  };
  const ingestRatio = costRatio(one.ingestEventsPerSecond, many.ingestEventsPerSecond);
  const endToEndSustainedRatio = costRatio(one.endToEndSustainedPerSecond, many.endToEndSustainedPerSecond);
  const compared = Object.values(costs);
  return {
    count: many.connections,
    tolerance,
    compared: COMPARED_COSTS,
    ...costs,
    ingestRatio,
    endToEndSustainedRatio,
    cpuMsPerPaymentRatioByProcess: byProcess,
    idleStackCpuMsPerSecondRatio: costRatio(one.idleStackCpuMsPerSecond, many.idleStackCpuMsPerSecond),
    overTolerance,
    withinTenPercent: compared.every((ratio) => ratio !== null && ratio <= 1 + tolerance),
    ratesWithinTenPercent: [ingestRatio, endToEndSustainedRatio].every(
      (ratio) => ratio !== null && ratio >= 1 - tolerance,
    ),
  };
}
