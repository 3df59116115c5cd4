import type { CostSnapshot } from './costMeter';

/**
 * Several measurement windows (start and end snapshots) joined into one start/end pair whose
 * difference is the sum of the windows' differences, so what happened between windows (seeding
 * the next batch of orders) is left out. A reading missing from any window is left out of the
 * join: a sum over some windows only would under-count.
 */
export function joinCostWindows(
  windows: ReadonlyArray<{ start: CostSnapshot; end: CostSnapshot }>,
): { start: CostSnapshot; end: CostSnapshot } | undefined {
  if (windows.length === 0) return undefined;
  const cpuMs: Record<string, number> = {};
  const cpuNames = Object.keys(windows[0]!.end.cpuMs) as Array<keyof CostSnapshot['cpuMs']>;
  for (const name of cpuNames) {
    const deltas = windows.map(({ start, end }) =>
      start.cpuMs[name] === undefined || end.cpuMs[name] === undefined
        ? undefined
        : end.cpuMs[name]! - start.cpuMs[name]!,
    );
    if (deltas.every((delta) => delta !== undefined)) cpuMs[name] = deltas.reduce((sum, delta) => sum + delta!, 0);
  }
  const counter = (read: (snapshot: CostSnapshot) => number | undefined): number | undefined => {
    let total = 0;
    for (const { start, end } of windows) {
      const before = read(start);
      const after = read(end);
      if (before === undefined || after === undefined) return undefined;
      total += after - before;
    }
    return total;
  };
  let temporalRequests: Record<string, number> | undefined = {};
  for (const { start, end } of windows) {
    if (!start.temporalRequests || !end.temporalRequests) {
      temporalRequests = undefined;
      break;
    }
    for (const [operation, after] of Object.entries(end.temporalRequests))
      temporalRequests[operation] =
        (temporalRequests[operation] ?? 0) + after - (start.temporalRequests[operation] ?? 0);
  }
  const stripeRequests = counter((snapshot) => snapshot.stripeRequests);
  const monstockRequests = counter((snapshot) => snapshot.monstockRequests);
  const seconds = windows.reduce((sum, { start, end }) => sum + (end.at - start.at), 0);
  const zeros = (record: Record<string, number>) => Object.fromEntries(Object.keys(record).map((key) => [key, 0]));
  return {
    start: {
      at: 0,
      cpuMs: zeros(cpuMs),
      ...(temporalRequests ? { temporalRequests: zeros(temporalRequests) } : {}),
      ...(stripeRequests !== undefined ? { stripeRequests: 0 } : {}),
      ...(monstockRequests !== undefined ? { monstockRequests: 0 } : {}),
    },
    end: {
      at: seconds,
      cpuMs,
      ...(temporalRequests ? { temporalRequests } : {}),
      ...(stripeRequests !== undefined ? { stripeRequests } : {}),
      ...(monstockRequests !== undefined ? { monstockRequests } : {}),
    },
  };
}
