import path from 'node:path';
import { startConnectorChild, type ConnectorChild } from './childProcess';
import type { Progress } from './progress';

/**
 * Keeps one connector process (the worker, `src/worker.ts`, or the webhook server) running, as a
 * process supervisor (systemd, Kubernetes) would: the chaos run SIGKILLs it on purpose, and any
 * exit it did not ask for (giving up while Temporal was away) is counted and followed by a restart.
 */
export interface Supervisor {
  current(): ConnectorChild | undefined;
  start(): Promise<void>;
  /** SIGKILL, a pause, then a new process; resolves once the new one runs. */
  killAndRestart(pauseMs: number): Promise<void>;
  stats(): { kills: number; starts: number; unexpectedExits: number };
  stop(): Promise<void>;
}

export interface SupervisedPiece {
  name: string;
  entry: string;
  /** A line of output that says the process is ready. */
  ready: RegExp;
}

export const WORKER: SupervisedPiece = { name: 'worker', entry: 'src/worker.ts', ready: /worker started/ };
export const WEBHOOK_SERVER: SupervisedPiece = {
  name: 'webhooks',
  entry: 'src/starter/webhookServer.main.ts',
  ready: /webhook server listening/,
};

export function createSupervisor(
  piece: SupervisedPiece,
  options: { env: () => NodeJS.ProcessEnv; logDir: string; progress: Progress; readyTimeoutMs?: number },
): Supervisor {
  let worker: ConnectorChild | undefined;
  let stopping = false;
  let expectingExit = false;
  let restarting: Promise<void> | undefined;
  const counts = { kills: 0, starts: 0, unexpectedExits: 0 };

  const launch = async (): Promise<void> => {
    counts.starts += 1;
    const child = startConnectorChild(
      piece.name,
      piece.entry,
      options.env(),
      path.join(options.logDir, `${piece.name}-${counts.starts}.log`),
    );
    worker = child;
    void child.exited.then(({ code, signal }) => {
      if (stopping || expectingExit || worker !== child) return;
      counts.unexpectedExits += 1;
      options.progress(
        `${piece.name} exited by itself (code ${code}, signal ${signal}); restarting it as a supervisor would`,
      );
      restarting = relaunch();
    });
    await child.waitFor(piece.ready, options.readyTimeoutMs ?? 120_000);
  };

  /** Retries a start that fails (Temporal still down, say) until it runs. */
  const relaunch = async (): Promise<void> => {
    for (let attempt = 1; !stopping; attempt += 1) {
      try {
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * attempt, 5000)));
        await launch();
        return;
      } catch (error) {
        options.progress(`${piece.name} start attempt ${attempt} failed: ${(error as Error).message.split('\n')[0]}`);
        await worker?.kill('SIGKILL');
      }
    }
  };

  return {
    current: () => worker,
    start: async () => {
      await launch();
    },
    killAndRestart: async (pauseMs) => {
      await restarting;
      expectingExit = true;
      counts.kills += 1;
      await worker?.kill('SIGKILL');
      expectingExit = false;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      restarting = relaunch();
      await restarting;
    },
    stats: () => ({ ...counts }),
    stop: async () => {
      stopping = true;
      await restarting?.catch(() => undefined);
      await worker?.kill('SIGTERM');
    },
  };
}
