import { measureProcess } from './procStats';
import { progress } from './progress';
import type { BenchStack } from './stack';

/** Under this share of a core over a 2 s sample, a process counts as idle. */
const IDLE_CPU_PERCENT = 10;

/**
 * Waits until the connector's processes are idle: the worker and the webhook server each under
 * 10% of a core over the same 2 s, so one phase's backlog does not land in the next and a cost
 * window that ends here holds the echoes the webhook server was still checking.
 */
export async function settle(stack: Pick<BenchStack, 'worker' | 'costTargets'>, maxSeconds = 240): Promise<void> {
  const pids = [stack.worker?.pid, stack.costTargets.pids.webhooks].filter((pid): pid is number => pid !== undefined);
  await settleProcesses(pids, maxSeconds);
}

/** Waits until every one of `pids` is idle over the same 2 s sample, or `maxSeconds` passed. */
export async function settleProcesses(pids: readonly number[], maxSeconds = 240, sampleSeconds = 2): Promise<void> {
  if (pids.length === 0) return;
  const started = Date.now();
  for (;;) {
    const samples = await Promise.all(pids.map((pid) => measureProcess(pid, sampleSeconds)));
    const busiest = Math.max(...samples.map((sample) => sample.cpuPercent));
    if (busiest < IDLE_CPU_PERCENT) return;
    if (Date.now() - started > maxSeconds * 1000) {
      progress(`connector still busy (${busiest}% CPU) after ${maxSeconds}s; going on`);
      return;
    }
  }
}
