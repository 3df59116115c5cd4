import type { Logger } from '../../src/observability/logger';

/**
 * The process shell both sandbox entry points share: start, then close cleanly on SIGINT/SIGTERM;
 * a start failure prints one line and exits 1.
 */
export function runSandboxMain(name: string, start: () => Promise<{ logger: Logger; close(): Promise<void> }>): void {
  start()
    .then(({ logger, close }) => {
      const shutdown = (signal: string): void => {
        logger.info('shutting down', { signal });
        close().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error('shutdown failed', { error });
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    })
    .catch((error: unknown) => {
      process.stderr.write(`${name} failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
