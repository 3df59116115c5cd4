import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { request } from 'undici';
import { listen, type StartedServer } from '../../sandbox/kit/http';
import { createLogger } from '../../src/observability/logger';
import { orderWorkflowId } from '../../src/shared/ids';
import { createConnectorHttpServer } from '../../src/starter/http/server';
import { EncryptionCodec } from '../../src/temporal/codec/encryptionCodec';
import { startConnectorHarness, type ConnectorHarness } from '../support/connectorHarness';
import { eventually, TEST_ENCRYPTION_KEYS, testTemporalAddress } from '../support/temporal';

/**
 * Read straight from the server, a history holds no plaintext of what the connector put in it;
 * through the codec (or its endpoint, with the token) it reads as before.
 */
describe('payload encryption', () => {
  let h: ConnectorHarness;
  let codecServer: StartedServer;
  const token = 'codec-test-token-1234567890';

  beforeAll(async () => {
    h = await startConnectorHarness();
    codecServer = await listen(
      createConnectorHttpServer({
        logger: createLogger({ level: 'error' }),
        readiness: async () => ({ ready: true }),
        connectionIds: ['default'],
        webhooks: {},
        codec: { codec: new EncryptionCodec(TEST_ENCRYPTION_KEYS), token, corsOrigins: ['http://127.0.0.1:8233'] },
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
      (decoded.events ?? []).flatMap((event) => event.activityTaskCompletedEventAttributes?.result?.payloads ?? []),
    );
    expect(viaCodec.map((payload) => Buffer.from(payload.data ?? []).toString()).join('\n')).toContain(order.reference);
  });

  it('decodes for the Web UI through the codec endpoint, only with the token', async () => {
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
      headers: { 'content-type': 'application/json', authorization: 'Bearer wrong-token-of-same-length!' },
    });
    expect(refused.statusCode).toBe(401);
    await refused.body.dump();
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
});
