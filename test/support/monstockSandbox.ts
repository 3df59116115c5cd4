import { request } from 'undici';
import { MonstockClient } from '../../src/monstock/client';
import type { Order } from '../../src/monstock/schemas';
import type { FaultSettings } from '../../sandbox/kit/faults';
import { startMonstockSandbox, type MonstockSandbox } from '../../sandbox/monstock/app';
import { createLogger } from '../../src/observability/logger';

export const TEST_MONSTOCK_TOKEN = 'monstock-test-token';
export const TEST_MONSTOCK_WEBHOOK_SECRET = 'monstock-test-webhook-secret';

export interface MonstockFixture {
  sandbox: MonstockSandbox;
  client: MonstockClient;
  setFaults(faults: FaultSettings): Promise<void>;
  createOrder(totalAmount?: number, currency?: string): Promise<Order>;
  /** Another merchant in the same sandbox (`POST /_sandbox/tenants`), with a client using its token. */
  createTenant(options?: { webhookUrl?: string }): Promise<MonstockTenant>;
  /** One tenant's outage knob: `unavailable` answers 503 to that tenant's token only; `{}` clears. */
  setTenantFaults(tenantId: string, faults: { unavailable?: boolean }): Promise<void>;
  close(): Promise<void>;
}

export interface MonstockTenant {
  tenantId: string;
  token: string;
  webhookSecret: string;
  client: MonstockClient;
}

/** A throwaway Monstock sandbox (in memory, any free port) and an adapter pointed at it. */
export async function startMonstockFixture(
  options: {
    webhookUrl?: string;
    requestTimeoutMs?: number;
    /** Credentials of the test's own instead of the shared test ones (which production refuses). */
    credentials?: { apiToken: string; webhookSecret: string };
  } = {},
): Promise<MonstockFixture> {
  const apiToken = options.credentials?.apiToken ?? TEST_MONSTOCK_TOKEN;
  const sandbox = await startMonstockSandbox({
    port: 0,
    dataFile: ':memory:',
    apiToken,
    webhookSecret: options.credentials?.webhookSecret ?? TEST_MONSTOCK_WEBHOOK_SECRET,
    ...(options.webhookUrl ? { webhookUrl: options.webhookUrl } : {}),
    webhookBackoffBaseMs: 50,
    logger: createLogger({ level: 'error' }),
  });
  const client = new MonstockClient({
    apiUrl: sandbox.apiUrl,
    apiToken,
    requestTimeoutMs: options.requestTimeoutMs ?? 5000,
  });
  let sequence = 0;
  const tenantClients: MonstockClient[] = [];
  const postAdmin = async (path: string, body: unknown, expectedStatus: number): Promise<unknown> => {
    const answer = await request(`${sandbox.url}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    const text = await answer.body.text();
    if (answer.statusCode !== expectedStatus) throw new Error(`POST ${path} failed: ${answer.statusCode} ${text}`);
    return JSON.parse(text) as unknown;
  };
  return {
    sandbox,
    client,
    setFaults: async (faults) => {
      const answer = await request(`${sandbox.url}/_sandbox/faults`, {
        method: 'POST',
        body: JSON.stringify(faults),
        headers: { 'content-type': 'application/json' },
      });
      if (answer.statusCode !== 200)
        throw new Error(`setting faults failed: ${answer.statusCode} ${await answer.body.text()}`);
      await answer.body.dump();
    },
    createOrder: async (totalAmount = 4200, currency = 'EUR') => {
      sequence += 1;
      const customer = await client.createCustomer({
        email: `buyer${sequence}@example.test`,
        name: `Buyer ${sequence}`,
      });
      return client.createOrder({
        reference: `A-${1000 + sequence}`,
        customerId: customer.id,
        currency,
        lines: [{ sku: 'SKU-1', quantity: 1, unitAmount: totalAmount }],
      });
    },
    createTenant: async (tenantOptions = {}) => {
      const created = (await postAdmin(
        '/_sandbox/tenants',
        tenantOptions.webhookUrl ? { webhookUrl: tenantOptions.webhookUrl } : {},
        201,
      )) as Omit<MonstockTenant, 'client'>;
      const tenantClient = new MonstockClient({
        apiUrl: sandbox.apiUrl,
        apiToken: created.token,
        requestTimeoutMs: options.requestTimeoutMs ?? 5000,
      });
      tenantClients.push(tenantClient);
      return { ...created, client: tenantClient };
    },
    setTenantFaults: async (tenantId, faults) => {
      await postAdmin(`/_sandbox/tenants/${encodeURIComponent(tenantId)}/faults`, faults, 200);
    },
    close: async () => {
      await Promise.all(tenantClients.map((tenantClient) => tenantClient.close()));
      await client.close();
      await sandbox.close();
    },
  };
}
