import type { WebhookFaults } from '../sandbox/kit/faults';
import type { Random } from './random';

/**
 * When each fault happens, as a share of the orders driven so far (so a slow machine gets the
 * same story, only slower). Pure: the seed decides the plan.
 */
export type FaultAction =
  | { kind: 'webhooks'; faults: WebhookFaults; label: string }
  | { kind: 'monstockStretch'; mode: 'errors' | 'rateLimit'; seconds: number }
  | { kind: 'killWorker'; pauseMs: number }
  | { kind: 'restartTemporal'; downMs: number };

export interface PlannedFault {
  /** 0..1: fires once this share of the orders is done. */
  at: number;
  action: FaultAction;
}

export interface FaultPlanOptions {
  workerKills: number;
  temporalRestarts: number;
  monstockStretches: number;
  /** Seconds each Monstock stretch lasts. */
  stretchSeconds: number;
  webhooks: { dropRate: number; duplicateRate: number; reorderRate: number; delayMs: number };
}

export function planFaults(options: FaultPlanOptions, random: Random): PlannedFault[] {
  const base: WebhookFaults = {
    dropRate: options.webhooks.dropRate,
    duplicateRate: options.webhooks.duplicateRate,
    reorderRate: options.webhooks.reorderRate,
  };
  const plan: PlannedFault[] = [
    { at: 0, action: { kind: 'webhooks', faults: base, label: 'drop/duplicate/reorder' } },
    // A stretch where every delivery is also held back.
    {
      at: 0.3,
      action: {
        kind: 'webhooks',
        faults: { ...base, delayMs: options.webhooks.delayMs },
        label: `drop/duplicate/reorder + ${options.webhooks.delayMs} ms delay`,
      },
    },
    { at: 0.5, action: { kind: 'webhooks', faults: base, label: 'drop/duplicate/reorder' } },
  ];
  const spread = (count: number, from: number, to: number) =>
    Array.from(
      { length: count },
      (_, index) => from + ((to - from) * (index + 0.5)) / count + (random.next() - 0.5) * ((to - from) / count) * 0.4,
    );
  spread(options.monstockStretches, 0.08, 0.9).forEach((at, index) =>
    plan.push({
      at,
      action: {
        kind: 'monstockStretch',
        mode: index % 2 === 0 ? 'errors' : 'rateLimit',
        seconds: options.stretchSeconds,
      },
    }),
  );
  spread(options.workerKills, 0.1, 0.95).forEach((at) =>
    plan.push({ at, action: { kind: 'killWorker', pauseMs: random.int(500, 2500) } }),
  );
  spread(options.temporalRestarts, 0.45, 0.65).forEach((at) =>
    plan.push({ at, action: { kind: 'restartTemporal', downMs: random.int(2000, 4000) } }),
  );
  return plan.sort((a, b) => a.at - b.at);
}
