import { COST_PROCESSES, takeSnapshot, type CostProcess } from './costMeter';
import { progress } from './progress';
import type { BenchStack } from './stack';

/**
 * What the stack costs doing nothing: CPU-ms per second of each process over a quiet window
 * (no load offered). With N connections this is their always-on work (order feeds, customer
 * syncs, schedules, registry reads, client caches) that a payment's cost does not show.
 */
export interface IdleCost {
  seconds: number;
  connections: number;
  cpuMsPerSecond: Record<CostProcess, number | null>;
  /** Worker + webhook server. */
  connectorCpuMsPerSecond: number | null;
  /** Every process of the stack (the load generator left out: it idles too). */
  stackCpuMsPerSecond: number | null;
  temporalRpcsPerSecond: number | null;
  /** By operation, to tell polling (PollWorkflowTaskQueue...) from the connections' own calls. */
  temporalRpcsPerSecondByOperation: Record<string, number>;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

export async function measureIdleCost(stack: BenchStack, seconds: number): Promise<IdleCost> {
  const start = await takeSnapshot(stack.costTargets);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const end = await takeSnapshot(stack.costTargets);
  const elapsed = (end.at - start.at) / 1000;
  const rate = (before: number | undefined, after: number | undefined) =>
    before === undefined || after === undefined ? null : round2((after - before) / elapsed);
  const cpuMsPerSecond = Object.fromEntries(
    COST_PROCESSES.map((name) => [name, rate(start.cpuMs[name], end.cpuMs[name])]),
  ) as Record<CostProcess, number | null>;
  const sum = (values: Array<number | null>) =>
    values.some((value) => value === null) ? null : round2(values.reduce<number>((total, value) => total + value!, 0));
  let temporalRpcsPerSecond: number | null = null;
  const temporalRpcsPerSecondByOperation: Record<string, number> = {};
  if (start.temporalRequests && end.temporalRequests) {
    let total = 0;
    for (const [operation, count] of Object.entries(end.temporalRequests)) {
      const delta = count - (start.temporalRequests[operation] ?? 0);
      if (delta <= 0) continue;
      total += delta;
      temporalRpcsPerSecondByOperation[operation] = round2(delta / elapsed);
    }
    temporalRpcsPerSecond = round2(total / elapsed);
  }
  const result: IdleCost = {
    seconds: round2(elapsed),
    connections: stack.connections.length,
    cpuMsPerSecond,
    connectorCpuMsPerSecond: sum([cpuMsPerSecond.worker, cpuMsPerSecond.webhooks]),
    stackCpuMsPerSecond: sum(COST_PROCESSES.filter((name) => name !== 'load').map((name) => cpuMsPerSecond[name])),
    temporalRpcsPerSecond,
    temporalRpcsPerSecondByOperation,
  };
  progress(
    `idle with ${result.connections} connections: ${JSON.stringify(result.cpuMsPerSecond)} CPU-ms/s, ${temporalRpcsPerSecond} Temporal RPCs/s ${JSON.stringify(temporalRpcsPerSecondByOperation)}`,
  );
  return result;
}
