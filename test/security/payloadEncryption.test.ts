import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type http from 'node:http';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import Stripe from 'stripe';
import { request } from 'undici';
import { listen, type StartedServer } from '../../sandbox/kit/http';
import { createLogger } from '../../src/observability/logger';
import { orderWorkflowId, reconciliationWorkflowId } from '../../src/shared/ids';
import { RECONCILIATION_WORKFLOW_TYPE, type ReconciliationWorkflowInput } from '../../src/shared/reconciliation';
import { answerCodec } from '../../src/starter/http/codecEndpoint';
import { createAdminAuthenticator } from '../../src/starter/admin/authenticator';
import { createAdminServer } from '../../src/starter/admin/adminServer';
import { EncryptionCodec } from '../../src/temporal/codec/encryptionCodec';
import { connectorDataConverter } from '../../src/temporal/dataConverter';
import { startConnectorHarness, type ConnectorHarness } from '../support/connectorHarness';
import {
  connectorClients,
  eventually,
  startTestWorker,
  type RunningWorker,
  TEST_ENCRYPTION_KEYS,
  testTemporalAddress,
  uniqueTaskQueue,
} from '../support/temporal';

/**
 * Read straight from the server, a history holds no plaintext of what the connector put in it;
 * through the codec (or its endpoint on the admin listener, with the token) it reads as before.
 */
describe('payload encryption', () => {
  let h: ConnectorHarness;
  let codecServer: StartedServer;
  const token = 'codec-test-token-1234567890-abcdefghij';

  beforeAll(async () => {
    h = await startConnectorHarness();
    codecServer = await listen(
      createAdminServer({
        logger: createLogger({ level: 'error' }),
        authenticate: createAdminAuthenticator({ token }),
        pages: { handlerFor: () => undefined },
        metrics: async () => ({ status: 200, contentType: 'text/plain', body: '' }),
        codec: { codec: new EncryptionCodec(TEST_ENCRYPTION_KEYS), corsOrigins: ['http://127.0.0.1:8233'] },
        // Production: the codec needs the token.
        codecWithoutToken: false,
      }),
      0,
    );
  });
  afterAll(async () => {
    await codecServer?.close();
    await h?.close();
  });

  it('keeps order ids, references, customer data and amounts out of the raw history, and decodes with the codec', async () => {
    const customer = await h.monstock.client.createCustomer({
      email: 'grace.hopper@example.test',
      name: 'Grace Hopper',
    });
    const order = await h.monstock.client.createOrder({
      reference: 'PII-7781',
      customerId: customer.id,
      currency: 'EUR',
      lines: [{ sku: 'X', quantity: 1, unitAmount: 7781 }],
    });
    await h.delivery.orderChanged('default', {
      eventId: 'e1',
      type: 'order.created',
      orderId: order.id,
      version: order.version,
      updatedAt: order.updatedAt,
    });
    const intentId = await eventually(
      async () => (await h.monstock.client.getOrder(order.id)).externalRefs.stripePaymentIntentId,
    );
    await h.sdk.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa' });
    await eventually(async () =>
      (await h.monstock.client.getOrder(order.id)).paymentStatus === 'paid' ? true : undefined,
    );

    const raw = new Client({ connection: await Connection.connect({ address: testTemporalAddress() }) });
    const rawHistory = historyToJSON(await raw.workflow.getHandle(orderWorkflowId('default', order.id)).fetchHistory());
    await raw.connection.close();
    const rawPayloadData = [...rawHistory.matchAll(/"data":"([^"]+)"/g)]
      .map((match) => Buffer.from(match[1]!, 'base64').toString('latin1'))
      .join('\n');
    expect(rawHistory).toContain(Buffer.from('binary/encrypted').toString('base64'));
    for (const secret of [
      order.reference,
      'Grace Hopper',
      'grace.hopper@example.test',
      intentId,
      'visa ****4242',
      '"amountPaid"',
    ]) {
      expect({ secret, visible: rawPayloadData.includes(secret) }).toEqual({ secret, visible: false });
    }

    const decoded = await h.client.workflow.getHandle(orderWorkflowId('default', order.id)).fetchHistory();
    const viaCodec = await new EncryptionCodec(TEST_ENCRYPTION_KEYS).decode(
      (decoded.events ?? []).flatMap((event) => [
        ...(event.activityTaskCompletedEventAttributes?.result?.payloads ?? []),
        // Local activities (the lean order path) record their results in a marker's details.
        ...Object.values(event.markerRecordedEventAttributes?.details ?? {}).flatMap((value) => value.payloads ?? []),
      ]),
    );
    expect(viaCodec.map((payload) => Buffer.from(payload.data ?? []).toString()).join('\n')).toContain(order.reference);
  });

  it('decodes for the Web UI through the admin listener’s codec endpoint, only with the token', async () => {
    const [encrypted] = await new EncryptionCodec(TEST_ENCRYPTION_KEYS).encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"reference":"A-1042"}') },
    ]);
    const body = JSON.stringify({
      payloads: [
        {
          metadata: Object.fromEntries(
            Object.entries(encrypted!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
          ),
          data: Buffer.from(encrypted!.data!).toString('base64'),
        },
      ],
    });
    const refused = await request(`${codecServer.url}/codec/decode`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${'w'.repeat(token.length)}` },
    });
    expect(refused.statusCode).toBe(401);
    expect(await refused.body.text()).not.toContain('A-1042');
    const anonymous = await request(`${codecServer.url}/codec/decode`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', origin: 'http://127.0.0.1:8233' },
    });
    expect(anonymous.statusCode).toBe(401);
    await anonymous.body.dump();
    const answer = await request(`${codecServer.url}/codec/decode`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        origin: 'http://127.0.0.1:8233',
      },
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe('http://127.0.0.1:8233');
    const json = (await answer.body.json()) as { payloads: Array<{ data: string }> };
    expect(Buffer.from(json.payloads[0]!.data, 'base64').toString()).toBe('{"reference":"A-1042"}');
    const preflight = await request(`${codecServer.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:8233' },
    });
    expect(preflight.statusCode).toBe(204);
    await preflight.body.dump();
  });
  /**
   * A worker as production runs it (CONNECTOR_MODE=production: unencrypted payloads refused),
   * whose reconciliation reads Stripe through a client that rejects with a secret-like marker,
   * as a Stripe or Monstock error quoting an order or a customer would.
   */
  describe('failures, with a production worker', () => {
    const marker = 'SECRET-MARKER-cus_9f3e@example.test';
    const taskQueue = uniqueTaskQueue('failure-history');
    let dataDir: string;
    let worker: RunningWorker;

    beforeAll(async () => {
      const rejecting = {
        paymentIntents: {
          list: async () => {
            throw new Stripe.errors.StripeInvalidRequestError({
              type: 'invalid_request_error',
              message: `No such customer: ${marker}`,
              statusCode: 400,
            } as never);
          },
        },
      } as unknown as Stripe;
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'failure-history-'));
      worker = await startTestWorker(
        taskQueue,
        {
          ...connectorClients({ monstock: h.monstock.client, stripe: h.sdk, client: h.client, taskQueue }),
          reconciliation: { stripeRateLimitPerSecond: 25, stripe: rejecting },
        },
        { dataConverter: connectorDataConverter(TEST_ENCRYPTION_KEYS, { rejectUnencrypted: true }) },
      );
    });
    afterAll(async () => {
      await worker?.stop();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    });

    const window = () => ({ from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date().toISOString() });

    it('keeps failure messages out of the raw history (encoded attributes), and decodes them with the codec', async () => {
      const workflowId = reconciliationWorkflowId('default', `failure-history-${Date.now()}`);
      const input: ReconciliationWorkflowInput = { connectionId: 'default', window: window() };
      const handle = await h.client.workflow.start(RECONCILIATION_WORKFLOW_TYPE, {
        workflowId,
        taskQueue,
        args: [input],
      });
      // Through the connector's client (codec and failure converter) the message reads as thrown.
      const failed = await handle.result().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failed).toBeInstanceOf(WorkflowFailedError);
      const messages: string[] = [];
      for (let error = failed as Error | undefined; error; error = error.cause as Error | undefined)
        messages.push(error.message);
      expect(messages.join('\n')).toContain(marker);

      // Read straight from the server: neither the activity's failure nor the workflow's (which
      // carries it as its cause) shows the marker, in clear or in any payload.
      const raw = new Client({ connection: await Connection.connect({ address: testTemporalAddress() }) });
      const rawEvents = (await raw.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
      await raw.connection.close();
      const rawHistory = historyToJSON({ events: rawEvents });
      const rawPayloadData = [...rawHistory.matchAll(/"data":"([^"]+)"/g)]
        .map((match) => Buffer.from(match[1]!, 'base64').toString('latin1'))
        .join('\n');
      expect(rawHistory).not.toContain(marker);
      expect(rawHistory).not.toContain('No such customer');
      expect(rawPayloadData).not.toContain(marker);
      const activityFailure = rawEvents.find((event) => event.activityTaskFailedEventAttributes)
        ?.activityTaskFailedEventAttributes?.failure;
      const workflowFailure = rawEvents.find((event) => event.workflowExecutionFailedEventAttributes)
        ?.workflowExecutionFailedEventAttributes?.failure;
      expect(activityFailure?.message).toBe('Encoded failure');
      expect(workflowFailure?.message).toBe('Encoded failure');
      expect(workflowFailure?.cause?.message).toBe('Encoded failure');
      const encodedAttributes = activityFailure!.encodedAttributes! as Payload;
      expect(Buffer.from(encodedAttributes.metadata!.encoding!).toString()).toBe('binary/encrypted');

      // With the codec, the encoded attributes hold the message and the stack trace.
      const [decoded] = await new EncryptionCodec(TEST_ENCRYPTION_KEYS).decode([encodedAttributes]);
      expect(JSON.parse(Buffer.from(decoded!.data!).toString())).toMatchObject({
        message: expect.stringContaining(marker),
        stack_trace: expect.any(String),
      });
      // And the Web UI, which posts a failure's encoded attributes to the codec endpoint, reads it too.
      const answer = await answerCodec(
        { codec: new EncryptionCodec(TEST_ENCRYPTION_KEYS), corsOrigins: [] },
        'decode',
        { method: 'POST', headers: {} } as http.IncomingMessage,
        Buffer.from(
          JSON.stringify({
            payloads: [
              {
                metadata: Object.fromEntries(
                  Object.entries(encodedAttributes.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
                ),
                data: Buffer.from(encodedAttributes.data!).toString('base64'),
              },
            ],
          }),
        ),
      );
      expect(answer.status).toBe(200);
      const body = answer.body as { payloads: Array<{ data: string }> };
      expect(Buffer.from(body.payloads[0]!.data, 'base64').toString()).toContain(marker);
    });

    it('refuses a workflow started with unencrypted input instead of running it', async () => {
      const workflowId = reconciliationWorkflowId('default', `plaintext-${Date.now()}`);
      // A client without the codec: its input reaches Temporal as plain JSON.
      const raw = new Client({ connection: await Connection.connect({ address: testTemporalAddress() }) });
      try {
        const input: ReconciliationWorkflowInput = { connectionId: 'default', window: window() };
        const handle = await raw.workflow.start(RECONCILIATION_WORKFLOW_TYPE, { workflowId, taskQueue, args: [input] });
        const failedTask = await eventually(async () => {
          const events = (await handle.fetchHistory()).events ?? [];
          return events.find((event) => event.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes;
        });
        // The task failure is encoded like any other: its message, decrypted, names the refusal.
        expect(failedTask?.failure?.message).toBe('Encoded failure');
        const [reason] = await new EncryptionCodec(TEST_ENCRYPTION_KEYS).decode([
          failedTask!.failure!.encodedAttributes! as Payload,
        ]);
        expect(Buffer.from(reason!.data!).toString()).toMatch(/refusing a payload that is not encrypted/);
        const events = (await handle.fetchHistory()).events ?? [];
        expect(events.filter((event) => event.activityTaskScheduledEventAttributes)).toEqual([]);
        await handle.terminate('test over');
      } finally {
        await raw.connection.close();
      }
    });
  });
});
