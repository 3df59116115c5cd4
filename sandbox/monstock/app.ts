import { createLogger, type Logger } from '../../src/observability/logger';
import { openDatabase } from '../kit/database';
import { FaultController, type FaultSettings } from '../kit/faults';
import { listen } from '../kit/http';
import { createSandboxHttpServer } from '../kit/server';
import { signPayload } from '../kit/signature';
import { WebhookOutbox } from '../kit/webhookOutbox';
import { createAdminRouter } from './admin';
import { tenantAdmission } from './auth';
import { createMonotonicClock } from './clock';
import { errorBody } from './errors';
import { tenantIdOfEndpoint } from './events';
import { RequestLog } from './requestLog';
import { API_PREFIX, createApiRouter } from './routes';
import { createSqliteStore } from './store';
import { TenantFaults } from './tenantFaults';
import { TenantRegistry } from './tenants';
import { tenantServicesFactory } from './tenantServices';

/**
 * Wires the Monstock sandbox together: one SQLite file, the API, the admin routes, webhooks.
 * `apiToken`, `webhookUrl` and `webhookSecret` are the default tenant's; more tenants come from
 * `POST /_sandbox/tenants`, each with its own token, webhook URL and secret (see tenants.ts).
 */
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
    const tenants = new TenantRegistry(db, {
      apiToken: options.apiToken,
      webhookSecret: options.webhookSecret,
      webhookUrl: options.webhookUrl || undefined,
    });
    const outbox = new WebhookOutbox({
      db,
      faults,
      // Each tenant's deliveries are signed with that tenant's own secret.
      signerFor: (endpointId) => {
        const tenantId = tenantIdOfEndpoint(endpointId);
        const secret = tenantId === undefined ? undefined : tenants.get(tenantId)?.webhookSecret;
        return secret === undefined ? undefined : (payload) => ({ 'monstock-signature': signPayload(payload, secret) });
      },
      ...(options.webhookBackoffBaseMs !== undefined ? { backoffBaseMs: options.webhookBackoffBaseMs } : {}),
      onResult: (result) =>
        result.ok
          ? logger.debug('webhook delivered', { ...result })
          : logger.info('webhook delivery failed', { ...result }),
    });
    const clock = createMonotonicClock(store.latestTimestamp());
    const servicesOf = tenantServicesFactory({ store, outbox, clock });
    const tenantFaults = new TenantFaults();
    const admission = tenantAdmission(tenants, tenantFaults);
    const requestLog = new RequestLog(tenants);

    const server = createSandboxHttpServer({
      api: createApiRouter((request) => servicesOf(admission.tenantOf(request))),
      admin: createAdminRouter({ store, tenants, servicesOf, tenantFaults, requestLog }),
      faults,
      logger,
      apiPrefix: API_PREFIX,
      authenticate: (request) => admission.authenticate(request),
      errorBody,
      reset: () => {
        store.transaction(() => {
          store.clear();
          outbox.clear();
        });
      },
      webhookStats: () => outbox.stats(),
    });
    server.prependListener('request', (request, response) => requestLog.observe(request, response));
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
