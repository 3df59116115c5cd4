import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type Stripe from 'stripe';
import { MonstockClient } from '../../src/monstock/client';
import { createStripeClient } from '../../src/stripe/client';
import { stackEnvOnFreePorts, startStackOnFreshPorts, waitFor } from '../support/stack';
import { eventually } from '../support/temporal';

/**
 * A full run of the stack with secrets of our own choosing, at LOG_LEVEL=debug: an order, its
 * intent, a payment, a refund, customers synced. Then every log line and every workflow history
 * is searched for each secret: none may appear.
 */
describe('secrets never reach logs or workflow history', () => {
  jest.setTimeout(180_000);

  it('keeps the Stripe key, both webhook secrets and the Monstock token out of logs and histories', async () => {
    const secrets = {
      MONSTOCK_API_TOKEN: 'mtok-secrets-test-7f3a9c2e51',
      MONSTOCK_WEBHOOK_SECRET: 'mwhsec-secrets-test-b81d4e',
      STRIPE_SECRET_KEY: 'sk_test_secretsTestKey9d2f7a41',
      STRIPE_WEBHOOK_SECRET: 'whsec_secretsTestWebhook5e8c13',
    };
    const stack = await startStackOnFreshPorts(async () => {
      const { env, ports } = await stackEnvOnFreePorts(fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')));
      return { env: { ...env, LOG_LEVEL: 'debug', ...secrets }, ports };
    });
    const { ports } = stack;
    try {
      await waitFor(`http://127.0.0.1:${ports.webhooks}/readyz`);
      const monstock = new MonstockClient({
        apiUrl: `http://127.0.0.1:${ports.monstock}/v1`,
        apiToken: secrets.MONSTOCK_API_TOKEN,
      });
      const stripe: Stripe = createStripeClient({
        secretKey: secrets.STRIPE_SECRET_KEY,
        apiUrl: `http://127.0.0.1:${ports.stripe}`,
      });
      const customer = await monstock.createCustomer({
        email: 'secrets@example.test',
        name: 'Secret Keeper',
        phone: '+33 1 23 45 67 89',
      });
      const order = await monstock.createOrder({
        reference: 'SEC-1',
        customerId: customer.id,
        currency: 'EUR',
        lines: [{ sku: 'S', quantity: 1, unitAmount: 4200 }],
      });
      const intentId = await eventually(
        async () => (await monstock.getOrder(order.id)).externalRefs.stripePaymentIntentId,
        30_000,
      );
      await stripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa' });
      await eventually(
        async () => ((await monstock.getOrder(order.id)).paymentStatus === 'paid' ? true : undefined),
        30_000,
      );
      await stripe.refunds.create({ payment_intent: intentId, amount: 1000 });
      await eventually(
        async () => ((await monstock.getOrder(order.id)).paymentStatus === 'partially_refunded' ? true : undefined),
        30_000,
      );
      await monstock.close();

      const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
      const client = new Client({ connection });
      const histories: string[] = [];
      // Listed raw: the memos are encrypted too, and this client (deliberately) holds no key.
      const { executions } = await client.workflowService.listWorkflowExecutions({
        namespace: 'default',
        pageSize: 1000,
      });
      for (const execution of executions ?? []) {
        const { workflowId, runId } = execution.execution ?? {};
        histories.push(historyToJSON(await client.workflow.getHandle(workflowId!, runId ?? undefined).fetchHistory()));
      }
      await connection.close();
      expect(histories.length).toBeGreaterThanOrEqual(3);
      const logs = stack.output();
      expect(logs).toContain('"level":"debug"');
      for (const [name, value] of Object.entries(secrets)) {
        expect({ name, inLogs: logs.includes(value) }).toEqual({ name, inLogs: false });
        expect({ name, inHistories: histories.some((history) => history.includes(value)) }).toEqual({
          name,
          inHistories: false,
        });
      }
    } finally {
      stack.child.kill('SIGINT');
      await stack.exit;
    }
  });
});
