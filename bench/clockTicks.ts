import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Clock ticks per second of this kernel (the unit of utime/stime in /proc/<pid>/stat), read once
 * with `getconf CLK_TCK`. Most kernels say 100, but a CPU figure that assumed it would be off by
 * the ratio wherever it is not, so it is read, and calibrated against this process's own usage
 * when getconf is missing.
 */
let cached: number | undefined;

export function clockTicksPerSecond(): number {
  cached ??= fromGetconf() ?? calibrated();
  return cached;
}

function fromGetconf(): number | undefined {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5_000 }).trim());
    return Number.isInteger(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Spins until this process has used ~0.5 s of CPU, then divides its /proc ticks by it. */
function calibrated(): number {
  const ticksOfSelf = () => {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  };
  const usedSeconds = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  };
  const seconds0 = usedSeconds();
  const ticks0 = ticksOfSelf();
  while (usedSeconds() - seconds0 < 0.5) {
    // busy on purpose: the calibration needs CPU time to divide
  }
  const perSecond = (ticksOfSelf() - ticks0) / (usedSeconds() - seconds0);
  // Kernels use round values (100, 250, 300, 1000): the nearest one absorbs the tick granularity.
  const candidates = [100, 250, 300, 1000];
  return candidates.reduce((best, value) => (Math.abs(value - perSecond) < Math.abs(best - perSecond) ? value : best));
}
