import type { CostProcess } from './costMeter';
import type { ConnectionsRunFigures } from './connectionsRatio';
import { measureIdleCost, type IdleCost } from './idleCost';
import { measureIngest, type IngestSettings } from './ingest';
import { measureRateSweep, type SweepPoint, type SweepSettings } from './rateSweep';
import { settle } from './settle';
import type { BenchStack } from './stack';

/**
 * One side of `--connections-compare N`: on a stack already holding its connections (1, or N
 * registered by main's withStack), the stack's idle cost, ingest at saturation and the end-to-end
 * rate sweep, with load round-robin over every connection. Main runs it on two fresh stacks and
 * compares (connectionsRatio.ts).
 */
export interface ConnectionsRunSettings {
  ingest: IngestSettings;
  sweep: SweepSettings;
  idleSeconds: number;
}

export interface ConnectionsRun {
  connections: number;
  /** Registering the extra connections until each one's work ran (null with one connection). */
  registrationSeconds: number | null;
  idle: IdleCost;
  ingest: {
    eventsPerSecond: number;
    p99Ms: number;
    errors: number;
    limitEventsPerSecond: number;
    ratioToLimit: number;
    webhooksCpuMsPerEvent: number | null;
  };
  endToEnd: {
    sustainedPerSecond: number;
    stoppedBecause: string;
    p99AtLowestRateMs: number | null;
    sweep: SweepPoint[];
  };
  payments: number | null;
  cpuMsPerPayment: Record<CostProcess, number | null> | undefined;
  connectorCpuMsPerPayment: number | null;
  allProcessesCpuMsPerPayment: number | null;
  temporalRpcsPerPayment: number | null;
  temporalRpcsPerPaymentByOperation: Record<string, number> | undefined;
  stripeRequestsPerPayment: number | null;
  monstockRequestsPerPayment: number | null;
}

export async function measureConnectionsRun(
  stack: BenchStack,
  settings: ConnectionsRunSettings,
): Promise<{ run: ConnectionsRun; figures: ConnectionsRunFigures }> {
  await settle(stack);
  const idle = await measureIdleCost(stack, settings.idleSeconds);
  const ingest = await measureIngest(stack, settings.ingest, `connections_${stack.connections.length}`);
  await settle(stack);
  const sweep = await measureRateSweep(stack, settings.sweep);
  const cost = sweep.paymentCost;
  const run: ConnectionsRun = {
    connections: stack.connections.length,
    registrationSeconds: stack.connectionsRegisteredInSeconds,
    idle,
    ingest: {
      eventsPerSecond: ingest.ingest.eventsPerSecond,
      p99Ms: ingest.ingest.p99Ms,
      errors: ingest.ingest.errors,
      limitEventsPerSecond: ingest.limit.eventsPerSecond,
      ratioToLimit: ingest.ratio,
      webhooksCpuMsPerEvent: ingest.ingest.webhooksCpuMsPerEvent,
    },
    endToEnd: {
      sustainedPerSecond: sweep.sustainedPerSecond,
      stoppedBecause: sweep.stoppedBecause,
      p99AtLowestRateMs: sweep.lowest?.p99Ms ?? null,
      sweep: sweep.sweep,
    },
    payments: cost?.payments ?? null,
    cpuMsPerPayment: cost?.cpuMsPerPayment,
    connectorCpuMsPerPayment: cost?.connectorCpuMsPerPayment ?? null,
    allProcessesCpuMsPerPayment: cost?.allProcessesCpuMsPerPayment ?? null,
    temporalRpcsPerPayment: cost?.temporalRpcsPerPayment ?? null,
    temporalRpcsPerPaymentByOperation: cost?.temporalRpcsPerPaymentByOperation,
    stripeRequestsPerPayment: cost?.stripeRequestsPerPayment ?? null,
    monstockRequestsPerPayment: cost?.monstockRequestsPerPayment ?? null,
  };
  return {
    run,
    figures: {
      connections: run.connections,
      ingestWebhooksCpuMsPerEvent: run.ingest.webhooksCpuMsPerEvent,
      ingestEventsPerSecond: run.ingest.eventsPerSecond,
      endToEndSustainedPerSecond: run.endToEnd.sustainedPerSecond,
      cpuMsPerPayment: run.cpuMsPerPayment,
      connectorCpuMsPerPayment: run.connectorCpuMsPerPayment,
      idleStackCpuMsPerSecond: idle.stackCpuMsPerSecond,
    },
  };
}
