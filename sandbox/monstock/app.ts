import { createLogger, type Logger } from '../../src/observability/logger';
import { openDatabase } from '../kit/database';
import { FaultController, type FaultSettings } from '../kit/faults';
import { listen } from '../kit/http';
import { createSandboxHttpServer } from '../kit/server';
import { signPayload } from '../kit/signature';
import { WebhookOutbox } from '../kit/webhookOutbox';
import { createAdminRouter } from './admin';
import { bearerAuthenticator } from './auth';
import { createMonotonicClock } from './clock';
import { CustomerService } from './customerService';
import { errorBody } from './errors';
import { createEventPublisher, WEBHOOK_ENDPOINT_ID } from './events';
import { OrderService } from './orderService';
import { RefundRequestService } from './refundRequestService';
import { API_PREFIX, createApiRouter } from './routes';
import { createSqliteStore } from './store';

/** Wires the Monstock sandbox together: one SQLite file, the API, the admin routes, webhooks. */
export interface MonstockSandboxOptions {
  /** 0 picks a free port (tests). */
  port?: number;
  host?: string;
  /** SQLite file; `:memory:` for a throwaway instance. */
  dataFile: string;
  apiToken: string;
  /** Where events are POSTed; undefined or empty sends nothing (events are still recorded). */
  webhookUrl?: string;
  webhookSecret: string;
  faults?: FaultSettings;
  webhookBackoffBaseMs?: number;
  logger?: Logger;
}

export interface MonstockSandbox {
  /** e.g. http://127.0.0.1:4010 */
  url: string;
  /** url + '/v1' */
  apiUrl: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_MONSTOCK_SANDBOX_PORT = 4010;

export async function startMonstockSandbox(options: MonstockSandboxOptions): Promise<MonstockSandbox> {
  if (!options.apiToken) throw new Error('startMonstockSandbox: apiToken is required.');
  if (!options.webhookSecret) throw new Error('startMonstockSandbox: webhookSecret is required.');
  const logger = options.logger ?? createLogger({ name: 'monstock-sandbox' });
  const db = openDatabase(options.dataFile);
  try {
    const store = createSqliteStore(db);
    const faults = new FaultController(options.faults ?? {});
    const secret = options.webhookSecret;
    const outbox = new WebhookOutbox({
      db,
      faults,
      signerFor: (endpointId) =>
        endpointId === WEBHOOK_ENDPOINT_ID
          ? (payload) => ({ 'monstock-signature': signPayload(payload, secret) })
          : undefined,
      ...(options.webhookBackoffBaseMs !== undefined ? { backoffBaseMs: options.webhookBackoffBaseMs } : {}),
      onResult: (result) =>
        result.ok
          ? logger.debug('webhook delivered', { ...result })
          : logger.info('webhook delivery failed', { ...result }),
    });
    const events = createEventPublisher({ store, outbox, webhookUrl: options.webhookUrl || undefined });
    const clock = createMonotonicClock(store.latestTimestamp());
    const orders = new OrderService({ store, clock, events });
    const customers = new CustomerService({ store, clock, events });
    const refundRequests = new RefundRequestService({ store, clock, events });

    const server = createSandboxHttpServer({
      api: createApiRouter({ orders, customers, refundRequests }),
      admin: createAdminRouter({ store, orders, customers }),
      faults,
      logger,
      apiPrefix: API_PREFIX,
      authenticate: bearerAuthenticator(options.apiToken),
      errorBody,
      reset: () => {
        store.transaction(() => {
          store.clear();
          outbox.clear();
        });
      },
      webhookStats: () => outbox.stats(),
    });
    const started = await listen(server, options.port ?? DEFAULT_MONSTOCK_SANDBOX_PORT, options.host ?? '127.0.0.1');
    // Deliveries cut off by a previous crash go out again: at least once, as documented.
    outbox.recoverInterrupted();
    outbox.start();
    logger.info('monstock sandbox listening', {
      url: started.url,
      dataFile: options.dataFile,
      webhookUrl: options.webhookUrl || null,
    });

    let closing: Promise<void> | undefined;
    return {
      url: started.url,
      apiUrl: `${started.url}${API_PREFIX}`,
      port: started.port,
      close: () =>
        (closing ??= (async () => {
          await started.close();
          await outbox.stop();
          db.close();
          logger.info('monstock sandbox stopped');
        })()),
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
