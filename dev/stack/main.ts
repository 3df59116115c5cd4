import path from 'node:path';
import { loadDotEnv } from '../../src/config/dotenv';
import { ConfigError, loadConfig, registerConfigSecrets, withDevelopmentValues } from '../../src/config';
import { createLogger } from '../../src/observability/logger';
import { startMonstockSandbox } from '../../sandbox/monstock/app';
import { startStripeSandbox } from '../../sandbox/stripe/app';
import { adminUrl } from '../../src/starter/admin/adminUrl';
import { startEmbeddedTemporal, type EmbeddedTemporal } from '../temporal/devServer';
import { startTsChild, type ManagedChild } from './children';
import { startEmbeddedDatabase } from '../../src/store/embedded';

/**
 * `npm start`: the whole connector on embedded defaults in one terminal. Anything the user
 * points elsewhere (TEMPORAL_ADDRESS, MONSTOCK_API_URL, Stripe credentials) is used instead of
 * the embedded piece; Ctrl-C stops everything in order.
 */
async function main(): Promise<void> {
  loadDotEnv();
  const userEnv = { ...process.env };
  // `npm start` is development mode, whatever a copied .env says; its children (worker, webhook
  // server) inherit it. Every other entry is production unless told otherwise.
  const env = withDevelopmentValues({ ...userEnv, CONNECTOR_MODE: 'development' });
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  registerConfigSecrets(config);
  const logger = createLogger({ name: 'stack', level: config.logLevel });
  const dataDir = path.resolve(config.dataDir);
  const webhookBase = `http://127.0.0.1:${config.webhookServer.port}`;
  const stoppers: Array<{ name: string; stop: () => Promise<void> }> = [];
  const lines: string[] = [];

  let temporal: EmbeddedTemporal | undefined;
  if (!userEnv.TEMPORAL_ADDRESS) {
    // The Web UI decodes the connector's encrypted payloads through the admin listener's codec
    // endpoint, called from the browser: the UI's own origin must pass the endpoint's CORS check.
    const codecEndpoint = `${adminUrl(config.admin.host, config.admin.port)}/codec`;
    const uiOrigins = [`http://127.0.0.1:${config.temporal.uiPort}`, `http://localhost:${config.temporal.uiPort}`];
    env.CODEC_CORS_ORIGINS = [...new Set([...config.codec.corsOrigins, ...uiOrigins])].join(',');
    temporal = await startEmbeddedTemporal({
      dbFile: path.join(dataDir, 'temporal.sqlite'),
      port: config.temporal.devServerPort,
      ui: true,
      uiPort: config.temporal.uiPort,
      uiCodecEndpoint: codecEndpoint,
      namespace: config.temporal.namespace,
    });
    stoppers.push({ name: 'Temporal dev server', stop: () => temporal!.stop() });
    lines.push(
      `Temporal Web UI      ${temporal.uiUrl}`,
      `Web UI codec         ${codecEndpoint}  (the Web UI decodes payloads through the connector)`,
      `Temporal frontend    ${temporal.address}  (${temporal.binary.description})`,
    );
  } else {
    lines.push(`Temporal frontend    ${config.temporal.address}  (yours)`);
  }

  if (!userEnv.MONSTOCK_API_URL) {
    const monstock = await startMonstockSandbox({
      port: config.sandboxes.monstockPort,
      dataFile: path.join(dataDir, 'monstock-sandbox.sqlite'),
      apiToken: config.monstock.apiToken,
      webhookSecret: config.monstock.webhookSecrets[0]!,
      webhookUrl: `${webhookBase}/webhooks/monstock`,
      logger: logger.child({ piece: 'monstock-sandbox' }),
    });
    env.MONSTOCK_API_URL = monstock.apiUrl;
    stoppers.push({ name: 'Monstock sandbox', stop: () => monstock.close() });
    lines.push(
      `Monstock sandbox     ${monstock.apiUrl}  (token: MONSTOCK_API_TOKEN, its development value unless you set one)`,
    );
  } else {
    lines.push(`Monstock API         ${config.monstock.apiUrl}  (yours)`);
  }

  // Real Stripe when asked for by URL (STRIPE_API_URL=https://api.stripe.com for test mode) or by a
  // live key; a test key alone is what the embedded sandbox then accepts.
  const userHasStripe = Boolean(userEnv.STRIPE_API_URL) || /^(sk|rk)_live_/.test(userEnv.STRIPE_SECRET_KEY ?? '');
  if (!userHasStripe) {
    const stripe = await startStripeSandbox({
      port: config.sandboxes.stripePort,
      dataFile: path.join(dataDir, 'stripe-sandbox.sqlite'),
      secretKey: config.stripe.secretKey,
      webhookUrl: `${webhookBase}/webhooks/stripe`,
      webhookSecret: config.stripe.webhookSecrets[0]!,
      logger: logger.child({ piece: 'stripe-sandbox' }),
    });
    env.STRIPE_API_URL = stripe.url;
    stoppers.push({ name: 'Stripe sandbox', stop: () => stripe.close() });
    // The development secret is printed for convenience; a secret the user set never is.
    const shownSecret = userEnv.STRIPE_WEBHOOK_SECRET ? 'STRIPE_WEBHOOK_SECRET' : config.stripe.webhookSecrets[0];
    lines.push(`Stripe sandbox       ${stripe.url}  (key: STRIPE_SECRET_KEY, webhook secret: ${shownSecret})`);
  } else {
    lines.push(`Stripe API           ${config.stripe.apiUrl ?? 'https://api.stripe.com'}  (yours)`);
  }

  if (!userEnv.DATABASE_URL) {
    // The connector's own database (reports, managed webhook secret, webhook health): PGlite with
    // its files in DATA_DIR/db, served over the Postgres wire protocol, so the worker and the
    // webhook server reach it through DATABASE_URL exactly as they would a real PostgreSQL.
    const database = await startEmbeddedDatabase({ dataDir: path.join(dataDir, 'db') });
    env.DATABASE_URL = database.url;
    stoppers.push({ name: 'connector database', stop: () => database.stop() });
    lines.push(`Connector database   embedded PostgreSQL (PGlite), files in ${path.join(dataDir, 'db')}`);
  } else {
    lines.push('Connector database   DATABASE_URL  (yours)');
  }

  if (temporal) env.TEMPORAL_ADDRESS = temporal.address;
  const children: ManagedChild[] = [
    startTsChild('worker', 'src/worker.ts', env),
    startTsChild('webhooks', 'src/starter/webhookServer.main.ts', env),
  ];
  lines.push(`Webhook server       ${webhookBase}  (/webhooks/stripe, /webhooks/monstock, /healthz, /readyz)`);
  lines.push(
    `Admin listener       ${adminUrl(config.admin.host, config.admin.port)}  (/reports/latest, /problems, /metrics, /codec; Authorization: Bearer $ADMIN_TOKEN)`,
  );

  process.stdout.write(
    `\nmonstock-stripe is running:\n${lines.map((line) => `  ${line}`).join('\n')}\n\nPress Ctrl-C to stop.\n\n`,
  );

  let stopping = false;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\nStopping (${reason})...\n`);
    await Promise.all(children.map((child) => child.stop()));
    for (const piece of stoppers.reverse()) {
      try {
        await piece.stop();
      } catch (error) {
        logger.warn(`could not stop ${piece.name} cleanly`, { error });
      }
    }
    process.stdout.write('Stopped.\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  for (const child of children) {
    void child.exited.then((code) => {
      if (!stopping) void shutdown(`${child.name} exited with code ${code}`);
    });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start failed: ${(error as Error).message}\n`);
  process.exit(1);
});
