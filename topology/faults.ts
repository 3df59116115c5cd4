import type { Progress } from '../chaos/progress';
import type { TopologyStack } from './stack';

/**
 * What happens to the topology while orders are in flight, each once its share of the orders is
 * done, one after the other: a worker SIGKILLed (and restarted after a pause, as a supervisor
 * would), a webhook replica SIGKILLed (the load balancer meanwhile sends its share to the other),
 * and the Temporal server stopped and started again on the same PostgreSQL.
 */
export interface TopologyFaultCounts {
  workerKills: number;
  webhookReplicaKills: number;
  temporalRestarts: number;
}

type Fault = 'killWorker' | 'killWebhookReplica' | 'restartTemporal';

const PLAN: ReadonlyArray<{ at: number; fault: Fault }> = [
  { at: 0.2, fault: 'killWorker' },
  { at: 0.4, fault: 'killWebhookReplica' },
  { at: 0.6, fault: 'restartTemporal' },
];
const RESTART_PAUSE_MS = 3000;

export class TopologyFaults {
  private next = 0;
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private readonly counts: TopologyFaultCounts = { workerKills: 0, webhookReplicaKills: 0, temporalRestarts: 0 };

  constructor(
    private readonly stack: TopologyStack,
    private readonly progress: Progress,
  ) {}

  /** Called as orders complete: queues every fault now due. */
  advance(share: number): void {
    while (this.next < PLAN.length && PLAN[this.next]!.at <= share) {
      const { fault } = PLAN[this.next]!;
      this.next += 1;
      this.chain = this.chain
        .then(() => this.play(fault))
        .catch((error: unknown) => {
          this.failure ??= error as Error;
          this.progress(`fault ${fault} failed: ${(error as Error).message}`);
        });
    }
  }

  /** Plays what is left and waits for it. */
  async finish(): Promise<TopologyFaultCounts> {
    this.advance(1);
    await this.chain;
    if (this.failure) throw this.failure;
    return { ...this.counts };
  }

  private async play(fault: Fault): Promise<void> {
    const started = Date.now();
    switch (fault) {
      case 'killWorker': {
        const worker = this.stack.workers[0]!;
        this.progress(`SIGKILL worker-1, restart in ${RESTART_PAUSE_MS} ms`);
        await worker.killAndRestart(RESTART_PAUSE_MS);
        this.counts.workerKills += 1;
        this.progress(`worker-1 back after ${Date.now() - started} ms`);
        return;
      }
      case 'killWebhookReplica': {
        const index = this.stack.webhookReplicas.length - 1;
        this.progress(`SIGKILL webhooks-${index + 1}, restart in ${RESTART_PAUSE_MS} ms`);
        await this.stack.webhookReplicas[index]!.killAndRestart(RESTART_PAUSE_MS);
        this.counts.webhookReplicaKills += 1;
        this.progress(`webhooks-${index + 1} back after ${Date.now() - started} ms`);
        return;
      }
      case 'restartTemporal': {
        this.progress('restarting the Temporal server (stop, start on the same PostgreSQL)');
        await this.stack.temporal.restart();
        this.counts.temporalRestarts += 1;
        this.progress(`Temporal server back after ${Date.now() - started} ms`);
        return;
      }
    }
  }
}
