import { startEmbeddedDatabase } from '../../src/store/embedded';

/**
 * The embedded connector database (PGlite over the Postgres wire protocol) as a process of its own,
 * for the bench (its CPU measured apart) and the tests (PGlite cannot start inside Jest's module
 * sandbox). Prints its URL as the first line of stdout. Stops on SIGTERM or SIGINT, and when its
 * parent closes stdin if EMBEDDED_DATABASE_STOP_WITH_STDIN=1 (so it never outlives a test run).
 *
 * EMBEDDED_DATABASE_PORT: a port (default: any free one); EMBEDDED_DATABASE_MAX_CONNECTIONS: the
 * multiplexer's limit (default: the store's).
 */
function optionalPositiveInteger(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

async function main(): Promise<void> {
  const port = optionalPositiveInteger('EMBEDDED_DATABASE_PORT');
  const maxConnections = optionalPositiveInteger('EMBEDDED_DATABASE_MAX_CONNECTIONS');
  const database = await startEmbeddedDatabase({
    ...(port !== undefined ? { port } : {}),
    ...(maxConnections !== undefined ? { maxConnections } : {}),
  });
  process.stdout.write(`${database.url}\n`);
  const stop = () => void database.stop().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (process.env.EMBEDDED_DATABASE_STOP_WITH_STDIN === '1') {
    process.stdin.once('end', stop);
    process.stdin.resume();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`embedded database failed: ${(error as Error).message}\n`);
  process.exit(1);
});
