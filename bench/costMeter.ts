import fs from 'node:fs';
import { request } from 'undici';
import { clockTicksPerSecond } from './clockTicks';
import { sampleProcess } from './procStats';

/**
 * Cost of a phase, measured per process rather than guessed: CPU time (utime + stime from
 * /proc/<pid>/stat) of every process of the stack and of the load generator (this process),
 * client-facing Temporal RPCs from the dev server's Prometheus endpoint (`service_requests` of the
 * frontend service, by operation: see parseServiceRequests) and
 * the API requests each sandbox served (`GET /_sandbox/requests`), read at the start and the end.
 */
export const COST_PROCESSES = [
  'temporal',
  'worker',
  'webhooks',
  'stripeSandbox',
  'monstockSandbox',
  'database',
  'load',
] as const;
export type CostProcess = (typeof COST_PROCESSES)[number];

export interface CostSnapshot {
  at: number;
  /** CPU time in ms per process (undefined when the process could not be read). */
  cpuMs: Partial<Record<CostProcess, number>>;
  /** Client-facing Temporal requests (the frontend's) by operation (undefined without a metrics endpoint). */
  temporalRequests?: Record<string, number>;
  stripeRequests?: number;
  monstockRequests?: number;
}

export interface PhaseCost {
  payments: number;
  seconds: number;
  cpuMsPerPayment: Record<CostProcess, number | null>;
  connectorCpuMsPerPayment: number | null;
  /** Every process of the stack and the load generator together. */
  allProcessesCpuMsPerPayment: number | null;
  temporalRpcsPerPayment: number | null;
  temporalRpcsPerPaymentByOperation: Record<string, number>;
  stripeRequestsPerPayment: number | null;
  monstockRequestsPerPayment: number | null;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * Client-facing Temporal RPCs by operation, from `service_requests` (or `service_requests_total`).
 * The dev server runs frontend, history and matching in one process and counts a request at each
 * service it passes: a signal-with-start is one frontend request and one history request, a
 * poll one frontend and one matching. Only the frontend's count is what a client (worker,
 * webhook server, bench) asked for, so only `service_name="frontend"` samples are summed; the
 * server's own `temporal_system` namespace (its internal workers) is left out too. A sample
 * without a service label (an older server) counts as the frontend's.
 */
export function parseServiceRequests(metrics: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of metrics.split('\n')) {
    const match = /^service_requests(?:_total)?\{([^}]*)\}\s+([0-9.eE+-]+)/.exec(line);
    if (!match) continue;
    const labels = match[1]!;
    const service = labelOf(labels, 'service_name');
    if (service !== undefined && service !== 'frontend') continue;
    if (labelOf(labels, 'namespace') === 'temporal_system') continue;
    const operation = labelOf(labels, 'operation') ?? 'unknown';
    out[operation] = (out[operation] ?? 0) + Number(match[2]);
  }
  return out;
}

function labelOf(labels: string, name: string): string | undefined {
  return new RegExp(`(?:^|,)${name}="([^"]*)"`).exec(labels)?.[1];
}

export function phaseCost(start: CostSnapshot, end: CostSnapshot, payments: number): PhaseCost {
  const per = (before: number | undefined, after: number | undefined): number | null =>
    before === undefined || after === undefined || payments <= 0 ? null : round2((after - before) / payments);
  const cpuMsPerPayment = Object.fromEntries(
    COST_PROCESSES.map((name) => [name, per(start.cpuMs[name], end.cpuMs[name])]),
  ) as Record<CostProcess, number | null>;
  const byOperation: Record<string, number> = {};
  let temporalRpcsPerPayment: number | null = null;
  if (start.temporalRequests && end.temporalRequests && payments > 0) {
    let total = 0;
    for (const [operation, count] of Object.entries(end.temporalRequests)) {
      const delta = count - (start.temporalRequests[operation] ?? 0);
      if (delta <= 0) continue;
      total += delta;
      byOperation[operation] = round2(delta / payments);
    }
    temporalRpcsPerPayment = round2(total / payments);
  }
  const { worker, webhooks } = cpuMsPerPayment;
  const all = Object.values(cpuMsPerPayment);
  return {
    payments,
    seconds: Math.round((end.at - start.at) / 100) / 10,
    cpuMsPerPayment,
    connectorCpuMsPerPayment: worker === null || webhooks === null ? null : round2(worker + webhooks),
    allProcessesCpuMsPerPayment: all.some((value) => value === null)
      ? null
      : round2(all.reduce<number>((sum, value) => sum + value!, 0)),
    temporalRpcsPerPayment,
    temporalRpcsPerPaymentByOperation: byOperation,
    stripeRequestsPerPayment: per(start.stripeRequests, end.stripeRequests),
    monstockRequestsPerPayment: per(start.monstockRequests, end.monstockRequests),
  };
}

export interface CostTargets {
  pids: Partial<Record<Exclude<CostProcess, 'load'>, number>>;
  temporalMetricsUrl?: string;
  stripeUrl: string;
  monstockUrl: string;
}

export function cpuMsOfProcess(pid: number): number | undefined {
  try {
    return (sampleProcess(pid).cpuTicks * 1000) / clockTicksPerSecond();
  } catch {
    return undefined;
  }
}

async function getText(url: string): Promise<string | undefined> {
  try {
    const answer = await request(url, { headersTimeout: 5_000, bodyTimeout: 5_000 });
    const text = await answer.body.text();
    return answer.statusCode === 200 ? text : undefined;
  } catch {
    return undefined;
  }
}

async function sandboxRequests(baseUrl: string): Promise<number | undefined> {
  const text = await getText(`${baseUrl}/_sandbox/requests`);
  if (text === undefined) return undefined;
  const total = (JSON.parse(text) as { total?: unknown }).total;
  return typeof total === 'number' ? total : undefined;
}

export async function takeSnapshot(targets: CostTargets): Promise<CostSnapshot> {
  const [metrics, stripeRequests, monstockRequests] = await Promise.all([
    targets.temporalMetricsUrl ? getText(targets.temporalMetricsUrl) : Promise.resolve(undefined),
    sandboxRequests(targets.stripeUrl),
    sandboxRequests(targets.monstockUrl),
  ]);
  const cpuMs: CostSnapshot['cpuMs'] = {};
  for (const [name, pid] of Object.entries(targets.pids) as Array<[CostProcess, number | undefined]>) {
    const value = pid === undefined ? undefined : cpuMsOfProcess(pid);
    if (value !== undefined) cpuMs[name] = value;
  }
  const self = process.cpuUsage();
  cpuMs.load = (self.user + self.system) / 1000;
  return {
    at: Date.now(),
    cpuMs,
    ...(metrics !== undefined ? { temporalRequests: parseServiceRequests(metrics) } : {}),
    ...(stripeRequests !== undefined ? { stripeRequests } : {}),
    ...(monstockRequests !== undefined ? { monstockRequests } : {}),
  };
}

/** The dev server's process: a `temporal server start-dev` whose command line names its SQLite file. */
export function findTemporalPid(dbFile: string): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmdline.includes('start-dev') && cmdline.includes(dbFile)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** TCP ports a process listens on (from /proc/net/tcp and the process's socket inodes). */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is field 1 (addr:PORT in hex), st is field 3 (0A = LISTEN), inode is field 9.
      if (fields[3] !== '0A' || !inodes.has(fields[9] ?? '')) continue;
      ports.push(parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return [...new Set(ports)];
}

/** The dev server's `/metrics` URL: the one of its listening ports that answers Prometheus text. */
export async function findTemporalMetricsUrl(pid: number, skipPorts: readonly number[]): Promise<string | undefined> {
  for (const port of listeningPorts(pid)) {
    if (skipPorts.includes(port)) continue;
    const url = `http://127.0.0.1:${port}/metrics`;
    const text = await getText(url);
    if (text !== undefined && /^# (HELP|TYPE) /m.test(text)) return url;
  }
  return undefined;
}
