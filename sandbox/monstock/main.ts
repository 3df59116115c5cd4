import path from 'node:path';
import { loadDotEnv } from '../../src/config/dotenv';
import { createLogger, type Logger, registerSecrets } from '../../src/observability/logger';
import { faultsFromEnv } from '../kit/faults';
import { runSandboxMain } from '../kit/runMain';
import { DEFAULT_MONSTOCK_SANDBOX_PORT, startMonstockSandbox } from './app';

/** `npx tsx sandbox/monstock/main.ts`: the Monstock sandbox as a process, configured by env. */
const DEFAULT_WEBHOOK_URL = 'http://127.0.0.1:3000/webhooks/monstock';

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) {
    process.stderr.write(`${name} is not set; the Monstock sandbox needs it (set it in the environment or in .env).\n`);
    process.exit(1);
  }
  return value;
}

function portFrom(env: NodeJS.ProcessEnv): number {
  const raw = env.MONSTOCK_SANDBOX_PORT;
  if (raw === undefined || raw === '') return DEFAULT_MONSTOCK_SANDBOX_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    process.stderr.write(`MONSTOCK_SANDBOX_PORT must be a port number, not "${raw}".\n`);
    process.exit(1);
  }
  return port;
}

async function main(): Promise<{ logger: Logger; close(): Promise<void> }> {
  loadDotEnv();
  const env = process.env;
  const apiToken = required(env, 'MONSTOCK_API_TOKEN');
  const webhookSecret = required(env, 'MONSTOCK_WEBHOOK_SECRET');
  registerSecrets(apiToken, webhookSecret);
  const logger = createLogger({ name: 'monstock-sandbox' });
  const sandbox = await startMonstockSandbox({
    port: portFrom(env),
    host: env.MONSTOCK_SANDBOX_HOST || '127.0.0.1',
    dataFile: path.join(env.DATA_DIR || './data', 'monstock-sandbox.sqlite'),
    apiToken,
    webhookSecret,
    // Unset means the default; an empty string deliberately turns webhooks off.
    webhookUrl: env.MONSTOCK_SANDBOX_WEBHOOK_URL ?? DEFAULT_WEBHOOK_URL,
    faults: faultsFromEnv(env),
    logger,
  });
  process.stdout.write(`Monstock sandbox listening on ${sandbox.url} (API ${sandbox.apiUrl})\n`);

  return { logger, close: () => sandbox.close() };
}

runSandboxMain('Monstock sandbox', main);
