import { ConnectionError, ConnectionService } from '../../connections/service';
import { createLogger } from '../../observability/logger';
import { openConfiguredDatabase } from '../../store/database';
import { loadCliConfig } from '../cliConfig';
import { ArgsError, parseConnectionsArgs, USAGE, type ConnectionsArgs } from './args';
import { describeResult } from './describe';

/**
 * `npm run connections -- add|update|remove|list|show|pause|resume`: manages the connection
 * registry in the connector's database (DATABASE_URL), no restart needed. With --json the answer
 * is one JSON document on stdout (secrets never included); logs and errors go to stderr. Exits 0
 * when done, 2 on bad input (arguments, a value the schema refuses, an unknown or existing id), 1
 * on anything else (configuration, database, Stripe).
 */
async function main(): Promise<number> {
  let args: ConnectionsArgs;
  try {
    args = parseConnectionsArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof ArgsError) {
      process.stderr.write(`${error.message}\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  const config = loadCliConfig();
  if (!config) return 1;
  const logger = createLogger({ name: 'connections', level: config.logLevel });
  const database = await openConfiguredDatabase(config);
  try {
    const service = new ConnectionService({ database, config, logger });
    const result = await run(service, args);
    process.stdout.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : describeResult(args.command, result));
    return 0;
  } catch (error) {
    if (error instanceof ConnectionError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  } finally {
    await database.end();
  }
}

function run(service: ConnectionService, args: ConnectionsArgs): Promise<unknown> {
  switch (args.command) {
    case 'list':
      return service.list();
    case 'show':
      return service.show(args.id);
    case 'add':
      return service.add(args.fields);
    case 'update':
      return service.update(args.id, args.fields);
    case 'remove':
      return service.remove(args.id);
    case 'pause':
      return service.setStatus(args.id, 'paused');
    case 'resume':
      return service.setStatus(args.id, 'active');
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // The message only: a stack or a request object could carry a credential.
    process.stderr.write(`connections failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
