import fs from 'node:fs';
import { clockTicksPerSecond } from './clockTicks';

/** RSS and CPU time of a process, from /proc (Linux). */
export interface ProcSample {
  rssKb: number;
  cpuTicks: number;
  at: number;
}

export function sampleProcess(pid: number): ProcSample {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3: utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuTicks = Number(fields[11]) + Number(fields[12]);
  return { rssKb, cpuTicks, at: Date.now() };
}

/** RSS at the end and CPU over the interval, as a percentage of one core. */
export async function measureProcess(
  pid: number,
  seconds: number,
): Promise<{ rssMb: number; cpuPercent: number; seconds: number }> {
  const first = sampleProcess(pid);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const last = sampleProcess(pid);
  const elapsed = (last.at - first.at) / 1000;
  return {
    rssMb: Math.round(last.rssKb / 102.4) / 10,
    cpuPercent: Math.round(((last.cpuTicks - first.cpuTicks) / clockTicksPerSecond() / elapsed) * 1000) / 10,
    seconds: Math.round(elapsed * 10) / 10,
  };
}
