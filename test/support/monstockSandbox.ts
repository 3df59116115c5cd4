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
  close(): Promise<void>;
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
    close: async () => {
      await client.close();
      await sandbox.close();
    },
  };
}
