import type { FaultAction, PlannedFault } from './faultPlan';
import type { Progress } from './progress';
import type { ChaosStack } from './stack';

/**
 * Plays the fault plan while the orders are driven: each fault fires once its share of orders
 * is done, one after the other (a stretch, a kill and a restart never overlap).
 */
export interface FaultCounts {
  monstockErrorStretches: number;
  monstock429Stretches: number;
  workerKills: number;
  devServerRestarts: number;
}

export class FaultRunner {
  private next = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly counts: FaultCounts = {
    monstockErrorStretches: 0,
    monstock429Stretches: 0,
    workerKills: 0,
    devServerRestarts: 0,
  };
  private failure: Error | undefined;

  constructor(
    private readonly plan: readonly PlannedFault[],
    private readonly stack: ChaosStack,
    private readonly progress: Progress,
  ) {}

  /** Called as orders complete: queues every fault now due. */
  advance(share: number): void {
    while (this.next < this.plan.length && this.plan[this.next]!.at <= share) {
      const { action } = this.plan[this.next]!;
      this.next += 1;
      this.chain = this.chain
        .then(() => this.play(action))
        .catch((error: unknown) => {
          this.failure ??= error as Error;
          this.progress(`fault failed: ${(error as Error).message}`);
        });
    }
  }

  /** Plays what is left, waits for it, then clears every fault knob. */
  async finish(): Promise<FaultCounts> {
    this.advance(1);
    await this.chain;
    await this.stack.knobs.monstock.clear();
    await this.stack.knobs.stripe.clear();
    if (this.failure) throw this.failure;
    return { ...this.counts };
  }

  private async play(action: FaultAction): Promise<void> {
    const { knobs } = this.stack;
    switch (action.kind) {
      case 'webhooks':
        await knobs.monstock.setWebhooks(action.faults);
        await knobs.stripe.setWebhooks(action.faults);
        this.progress(`webhook faults on both sandboxes: ${action.label}`);
        return;
      case 'monstockStretch': {
        const faults = action.mode === 'errors' ? { errorRate: 0.7 } : { rateLimitPerSecond: 3 };
        this.progress(
          `Monstock ${action.mode === 'errors' ? 'answers 5xx (70%)' : 'throttles to 3 req/s (429)'} for ${action.seconds} s`,
        );
        await knobs.monstock.setApi(faults);
        await new Promise((resolve) => setTimeout(resolve, action.seconds * 1000));
        await knobs.monstock.setApi({});
        if (action.mode === 'errors') this.counts.monstockErrorStretches += 1;
        else this.counts.monstock429Stretches += 1;
        this.progress('Monstock answers normally again');
        return;
      }
      case 'killWorker': {
        this.counts.workerKills += 1;
        this.progress(`SIGKILL worker (kill ${this.counts.workerKills}), restart in ${action.pauseMs} ms`);
        const started = Date.now();
        await this.stack.worker.killAndRestart(action.pauseMs);
        this.progress(`worker back after ${Date.now() - started} ms`);
        return;
      }
      case 'restartTemporal': {
        this.progress(`stopping the Temporal dev server for ${action.downMs} ms (same port, same SQLite file)`);
        const started = Date.now();
        await this.stack.temporal.restart(action.downMs);
        this.counts.devServerRestarts += 1;
        this.progress(`Temporal dev server back after ${Date.now() - started} ms`);
        return;
      }
    }
  }
}
