import type { Client } from '@temporalio/client';
import type { Logger } from '../observability/logger';
import { parseOrderFeedWorkflowId } from '../shared/ids';
import { ORDER_FEED_WORKFLOW_TYPE } from '../shared/orderFeed';
import type { ConnectionRegistry } from './registry';
import type { ResolvedConnection } from './resolve';
import { connectionIdSchema } from './schema';
import { pauseConnectionWork, removeConnectionWork, startConnectionWork } from './work';

/**
 * Keeps the always-on work of every connection in line with the registry, from a worker: the
 * CLI and the admin API only write the registry, and every worker brings Temporal to it.
 *
 * Each round reads the registry (its own cache, at most a few seconds old) and:
 * - active: ensures the order feed, customer sync and schedule exist (once per registry version;
 *   starting is idempotent, so several workers doing it agree);
 * - paused: stops the feed and sync (once per version);
 * - gone: an order feed running on this task queue for a connection the registry no longer has
 *   (removed, also while no worker ran) has its work and open workflows stopped.
 */
export interface ConnectionWorkKeeperOptions {
  client: Client;
  registry: ConnectionRegistry;
  taskQueue: string;
  logger: Logger;
  /** Between rounds; default 5 s (the registry's cache age). */
  intervalMs?: number;
}

export class ConnectionWorkKeeper {
  /** `id@version:status` of what was last done, so a round changes only what changed. */
  private readonly done = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: ConnectionWorkKeeperOptions) {}

  /** One round now, then one every interval until `stop`. A failed round is logged and retried next time. */
  async start(): Promise<void> {
    await this.round();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over the registry; exposed for tests and the worker's start. */
  async round(): Promise<void> {
    this.running = this.keep().finally(() => {
      this.running = undefined;
    });
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round()
        .catch((error: unknown) => this.options.logger.warn('connection work round failed; retried', { error }))
        .finally(() => this.schedule());
    }, this.options.intervalMs ?? 5_000);
    this.timer.unref();
  }

  private async keep(): Promise<void> {
    const { client, registry, taskQueue, logger } = this.options;
    const connections = await registry.listConnections();
    const unreadable = await registry.unreadableConnections();
    // A connection this worker cannot decrypt still exists: left as it is, never stopped from here.
    const live = new Set([...connections.map((connection) => connection.id), ...unreadable.keys()]);
    for (const [id, reason] of unreadable) {
      if (this.done.get(id) === `unreadable:${reason}`) continue;
      logger.error('connection not served: its secrets cannot be opened with this worker’s keys', {
        connectionId: id,
        reason,
      });
      this.done.set(id, `unreadable:${reason}`);
    }
    for (const connection of connections) {
      const mark = `${connection.version}:${connection.status}`;
      if (this.done.get(connection.id) === mark) continue;
      await this.apply(connection);
      this.done.set(connection.id, mark);
    }
    for (const id of await this.feedsRunning()) {
      if (live.has(id)) continue;
      // Another worker may have read a newer registry: look again before stopping anything.
      await registry.refresh();
      if ((await registry.getConnection(id)) || (await registry.unreadableConnections()).has(id)) continue;
      const stopped = await removeConnectionWork(client, id, `connection ${id} was removed`);
      this.done.delete(id);
      logger.info('connection work stopped: removed', { connectionId: id, openWorkflowsStopped: stopped, taskQueue });
    }
  }

  private async apply(connection: ResolvedConnection): Promise<void> {
    const { client, taskQueue, logger } = this.options;
    if (connection.status === 'active') {
      await startConnectionWork(client, connection, taskQueue);
      logger.info('connection work running', { connectionId: connection.id, version: connection.version });
    } else {
      await pauseConnectionWork(client, connection.id, `connection ${connection.id} was paused`);
      logger.info('connection work paused', { connectionId: connection.id, version: connection.version });
    }
  }

  /** Connections with an order feed running on this task queue (other deployments' queues are theirs). */
  private async feedsRunning(): Promise<string[]> {
    const query =
      `WorkflowType = '${ORDER_FEED_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' ` +
      `AND TaskQueue = '${this.options.taskQueue.replace(/'/g, '')}'`;
    const ids: string[] = [];
    for await (const execution of this.options.client.workflow.list({ query })) {
      const parsed = parseOrderFeedWorkflowId(execution.workflowId);
      if (parsed && connectionIdSchema.safeParse(parsed.connectionId).success) ids.push(parsed.connectionId);
    }
    return ids;
  }
}
