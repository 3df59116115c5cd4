import { startEmbeddedDatabase } from '../src/store/embedded';

/**
 * The bench's connector database as a process of its own (so its CPU is measured apart from the
 * load generator's): an embedded PostgreSQL (PGlite) on BENCH_DATABASE_PORT, in memory.
 */
async function main(): Promise<void> {
  const port = Number(process.env.BENCH_DATABASE_PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error('BENCH_DATABASE_PORT must be a port number');
  const database = await startEmbeddedDatabase({ port, maxConnections: 500 });
  process.stdout.write(`database listening on 127.0.0.1:${port}\n`);
  const stop = () => void database.stop().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`database failed: ${(error as Error).message}\n`);
  process.exit(1);
});
