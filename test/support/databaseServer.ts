import { startEmbeddedDatabase } from '../../src/store/embedded';

/**
 * A test file's own embedded database, in a process of its own: PGlite cannot start inside
 * Jest's module sandbox (it loads its WebAssembly by dynamic import). Prints its URL on the
 * first line of stdout; stops when its parent closes stdin or it is sent SIGTERM.
 */
async function main(): Promise<void> {
  const database = await startEmbeddedDatabase({});
  process.stdout.write(`${database.url}\n`);
  const stop = () => void database.stop().finally(() => process.exit(0));
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`embedded database failed: ${(error as Error).message}\n`);
  process.exit(1);
});
