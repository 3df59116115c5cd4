import { loadConfigOrExit } from '../config';
import { createLogger } from '../observability/logger';
import { connectClient } from '../temporal/connection';
import { createTemporalReadiness } from './http/readiness';
import { createConnectorHttpServer } from './http/server';

/** `npm run webhooks`: the webhook server, with /healthz and /readyz for load balancers. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ name: 'webhooks', level: config.logLevel });
  const client = await connectClient(config);
  const server = createConnectorHttpServer({
    logger,
    readiness: createTemporalReadiness(client),
    webhooks: {},
    connectionIds: [config.connectionId],
  });
  server.listen(config.webhookServer.port, config.webhookServer.host, () => {
    logger.info('webhook server listening', { url: `http://${config.webhookServer.host}:${config.webhookServer.port}` });
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down: finishing in-flight requests', { signal });
    // Stop accepting, let in-flight webhooks get their answer, then drop idle keep-alive sockets.
    server.close(() => {
      void client.connection.close().finally(() => process.exit(0));
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  createLogger({ name: 'webhooks' }).error('webhook server failed', { error });
  process.exit(1);
});
