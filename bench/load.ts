import { performance } from 'node:perf_hooks';

/**
 * Two ways to offer load. Closed loop: `concurrency` callers, each sends again as soon as it has
 * its answer (saturation). Open loop: requests leave on a fixed schedule whatever the answers do,
 * and latency counts from the scheduled time, so a slow server cannot hide its queueing.
 */
export interface LoadResult {
  completed: number;
  errors: number;
  seconds: number;
  perSecond: number;
  latenciesMs: number[];
  firstError?: string;
}

export type Operation = (index: number) => Promise<void>;

export async function closedLoop(
  concurrency: number,
  durationMs: number,
  operation: Operation,
  startIndex = 0,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = startIndex;
  const started = performance.now();
  const end = started + durationMs;
  const caller = async () => {
    while (performance.now() < end) {
      const index = next++;
      const t0 = performance.now();
      try {
        await operation(index);
        latencies.push(performance.now() - t0);
      } catch (error) {
        errors += 1;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  const seconds = (performance.now() - started) / 1000;
  return {
    completed: latencies.length,
    errors,
    seconds,
    perSecond: latencies.length / seconds,
    latenciesMs: latencies,
    ...(firstError ? { firstError } : {}),
  };
}

export async function openLoop(
  ratePerSecond: number,
  durationMs: number,
  operation: Operation,
  startIndex = 0,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const total = Math.max(1, Math.round((ratePerSecond * durationMs) / 1000));
  const interval = 1000 / ratePerSecond;
  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let sent = 0; sent < total;) {
    const now = performance.now();
    while (sent < total && started + sent * interval <= now) {
      const scheduled = started + sent * interval;
      const index = startIndex + sent;
      sent += 1;
      inFlight.push(
        operation(index).then(
          () => void latencies.push(performance.now() - scheduled),
          (error: unknown) => {
            errors += 1;
            firstError ??= (error as Error).message;
          },
        ),
      );
    }
    const wait = started + sent * interval - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.floor(wait))));
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  return {
    completed: latencies.length,
    errors,
    seconds,
    perSecond: latencies.length / seconds,
    latenciesMs: latencies,
    ...(firstError ? { firstError } : {}),
  };
}

/** Runs `operation` for 0..count-1 with at most `concurrency` at once; failures are counted, not thrown. */
export async function forEachConcurrently(
  count: number,
  concurrency: number,
  operation: Operation,
): Promise<{ done: number; errors: number; seconds: number; firstError?: string }> {
  let next = 0;
  let done = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const caller = async () => {
    while (next < count) {
      const index = next++;
      try {
        await operation(index);
        done += 1;
      } catch (error) {
        errors += 1;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, count)) }, caller));
  return { done, errors, seconds: (performance.now() - started) / 1000, ...(firstError ? { firstError } : {}) };
}
