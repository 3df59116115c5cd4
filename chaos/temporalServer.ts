import { startEmbeddedTemporal, type EmbeddedTemporal } from '../dev/temporal/devServer';

/**
 * The run's own Temporal dev server on a fixed port and SQLite file, so it can be stopped and
 * started again on the same data: workflows that were running resume where they were.
 */
export interface RestartableTemporal {
  address: string;
  restart(downMs: number): Promise<void>;
  restarts(): number;
  stop(): Promise<void>;
}

export async function startRestartableTemporal(options: {
  port: number;
  dbFile: string;
  namespace?: string;
}): Promise<RestartableTemporal> {
  const start = () =>
    startEmbeddedTemporal({ port: options.port, dbFile: options.dbFile, namespace: options.namespace ?? 'default' });
  let server: EmbeddedTemporal | undefined = await start();
  let count = 0;
  return {
    address: server.address,
    restarts: () => count,
    restart: async (downMs) => {
      await server?.stop();
      server = undefined;
      await new Promise((resolve) => setTimeout(resolve, downMs));
      // The port was just released; a start can race the OS, so try a few times.
      for (let attempt = 1; ; attempt += 1) {
        try {
          server = await start();
          break;
        } catch (error) {
          if (attempt >= 5) throw error;
          await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
        }
      }
      count += 1;
    },
    stop: async () => {
      await server?.stop();
      server = undefined;
    },
  };
}
