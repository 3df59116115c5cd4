import { measureProcess } from './procStats';
import { progress } from './progress';
import type { BenchStack } from './stack';

/**
 * Waits until the worker is idle (CPU under 10% of a core over 2 s), so one phase's backlog does not land in the next.
 */
export async function settle(stack: BenchStack, maxSeconds = 240): Promise<void> {
  const pid = stack.worker?.pid;
  if (!pid) return;
  const started = Date.now();
  for (;;) {
    const sample = await measureProcess(pid, 2);
    if (sample.cpuPercent < 10) return;
    if (Date.now() - started > maxSeconds * 1000) {
      progress(`worker still busy (${sample.cpuPercent}% CPU) after ${maxSeconds}s; going on`);
      return;
    }
  }
}
