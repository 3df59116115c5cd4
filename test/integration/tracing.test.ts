import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { NativeConnection, Worker } from '@temporalio/worker';
import { listen, type StartedServer } from '../../sandbox/kit/http';
import { loadConfig, withDevelopmentValues } from '../../src/config';
import { Counters } from '../../src/observability/counters';
import { traceHttpServer } from '../../src/observability/httpServerSpans';
import { createLogger } from '../../src/observability/logger';
import { withClientTracing, workerTracingOptions } from '../../src/observability/temporalTracing';
import { startTracing, type Tracing } from '../../src/observability/tracing';
import { tracingEnabled } from '../../src/observability/tracingSettings';
import { createConnectorHttpServer } from '../../src/starter/http/server';
import { createStripeWebhookRoute } from '../../src/starter/stripe/route';
import { bundleConnectorWorkflows, createWorker } from '../../src/temporal/createWorker';
import { HISTORY_FIXTURES } from '../support/histories';
import { startMonstockFixture, type MonstockFixture } from '../support/monstockSandbox';
import {
  startStripeFixture,
  TEST_STRIPE_KEY,
  TEST_STRIPE_WEBHOOK_SECRET,
  type StripeFixture,
} from '../support/stripeSandbox';
import {
  connectorClients,
  connectTestClient,
  eventually,
  testDataConverter,
  testTemporalAddress,
  uniqueTaskQueue,
} from '../support/temporal';

/**
 * One Stripe payment, traced end to end with tracing switched on by the standard OTEL variables:
 * the spans reach a tiny OTLP/HTTP receiver and form one trace, webhook request → signal-with-start
 * → workflow run → activity → HTTP call to Monstock. The worker runs in this process; the tracer
 * provider is started here and shut down (unregistered) at the end.
 */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: Array<{ key: string; value: { stringValue?: string; intValue?: number | string } }>;
}

/** OTLP span kinds (SPAN_KIND_SERVER, SPAN_KIND_CLIENT). */
const SERVER = 2;
const CLIENT = 3;

function startOtlpReceiver(): Promise<StartedServer & { spans: OtlpSpan[]; contentTypes: string[] }> {
  const spans: OtlpSpan[] = [];
  const contentTypes: string[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      contentTypes.push(request.headers['content-type'] ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
      };
      for (const resource of body.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return listen(server, 0).then((started) => Object.assign(started, { spans, contentTypes }));
}

function attribute(span: OtlpSpan, key: string): string | number | undefined {
  const value = span.attributes?.find((entry) => entry.key === key)?.value;
  return value?.stringValue ?? (value?.intValue !== undefined ? Number(value.intValue) : undefined);
}

describe('tracing webhook → workflow → activity → HTTP', () => {
  const savedEnv = { ...process.env };
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let tracing: Tracing;
  let monstock: MonstockFixture;
  let stripe: StripeFixture;
  let webhookServer: StartedServer;
  let client: Client;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `${receiver.url}/v1/traces`;
    process.env.OTEL_SERVICE_NAME = 'tracing-test';
    expect(tracingEnabled()).toBe(true);
    tracing = startTracing({ serviceName: 'monstock-stripe-test' });

    monstock = await startMonstockFixture();
    const taskQueue = uniqueTaskQueue('tracing');
    const config = loadConfig({
      ...withDevelopmentValues({ CONNECTOR_MODE: 'development' }),
      STRIPE_SECRET_KEY: TEST_STRIPE_KEY,
      STRIPE_WEBHOOK_SECRET: TEST_STRIPE_WEBHOOK_SECRET,
      TEMPORAL_TASK_QUEUE: taskQueue,
      // Short: the run ends soon after the payment, so its RunWorkflow span ends and is exported.
      ORDER_IDLE_WINDOW: '2 seconds',
      DATA_DIR: os.tmpdir(),
    });
    client = withClientTracing(await connectTestClient(), tracing);
    let route: ((request: http.IncomingMessage, response: http.ServerResponse) => void) | undefined;
    const outer = http.createServer((request, response) => route?.(request, response));
    traceHttpServer(outer, tracing.tracer);
    webhookServer = await listen(outer, 0);
    stripe = await startStripeFixture({ webhookUrl: `${webhookServer.url}/webhooks/stripe` });
    const clients = connectorClients({
      monstock: monstock.client,
      stripe: stripe.stripe,
      client,
      taskQueue,
      idleWindow: '2 seconds',
    });
    const shell = createConnectorHttpServer({
      logger: createLogger({ level: 'error' }),
      readiness: async () => ({ ready: true }),
      connectionIds: ['default'],
      webhooks: {
        stripe: createStripeWebhookRoute({
          client,
          matcher: clients.matcher,
          config,
          logger: createLogger({ level: 'error' }),
          counters: new Counters(),
        }),
      },
    });
    route = (request, response) => shell.emit('request', request, response);

    connection = await NativeConnection.connect({ address: testTemporalAddress() });
    worker = await createWorker({
      connection,
      namespace: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
      taskQueue,
      clients,
      dataConverter: testDataConverter(),
      logger: createLogger({ level: 'error' }),
      tracing,
    });
    running = worker.run();
  });

  afterAll(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection?.close();
    await webhookServer?.close();
    await stripe?.close();
    await monstock?.close();
    await client?.connection.close();
    await tracing?.shutdown();
    await receiver?.close();
    process.env = savedEnv;
  });

  it('exports one trace from the webhook request to the HTTP call to Monstock', async () => {
    const order = await monstock.createOrder(4200);
    const intent = await stripe.stripe.paymentIntents.create({
      amount: 4200,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { monstock_order_id: order.id },
    });
    expect(intent.status).toBe('succeeded');
    await eventually(async () =>
      (await monstock.client.getOrder(order.id)).paymentStatus === 'paid' ? true : undefined,
    );
    const monstockPort = Number(new URL(monstock.sandbox.apiUrl).port);

    // Spans go out in batches: flush until the run (ended by its idle window) has been exported.
    const chain = await eventually(
      async () => {
        await tracing.forceFlush();
        const spans = receiver.spans;
        const byId = new Map(spans.map((span) => [span.spanId, span]));
        const parentOf = (span: OtlpSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
        for (const call of spans.filter(
          (span) => span.kind === CLIENT && attribute(span, 'server.port') === monstockPort,
        )) {
          const runActivity = parentOf(call);
          const startActivity = runActivity && parentOf(runActivity);
          const runWorkflow = startActivity && parentOf(startActivity);
          const signalWithStart = runWorkflow && parentOf(runWorkflow);
          const webhook = signalWithStart && parentOf(signalWithStart);
          if (webhook) return { call, runActivity, startActivity, runWorkflow, signalWithStart, webhook };
        }
        return undefined;
      },
      30_000,
      250,
    );

    expect(chain.webhook).toMatchObject({ kind: SERVER, name: 'POST /webhooks/stripe' });
    expect(chain.webhook.parentSpanId ?? '').toBe('');
    expect(chain.signalWithStart.name).toBe('SignalWithStartWorkflow:orderPaymentWorkflow');
    expect(chain.runWorkflow.name).toBe('RunWorkflow:orderPaymentWorkflow');
    expect(chain.startActivity.name).toMatch(/^StartActivity:/);
    expect(chain.runActivity.name).toBe(chain.startActivity.name.replace('StartActivity', 'RunActivity'));
    expect(attribute(chain.call, 'http.request.method')).toMatch(/^(GET|POST|PUT|PATCH)$/);
    const traceIds = new Set(Object.values(chain).map((span) => span.traceId));
    expect(traceIds.size).toBe(1);
    // The exporter sends OTLP JSON; no span carries a query string, a header or a secret.
    expect(receiver.contentTypes.every((type) => type.startsWith('application/json'))).toBe(true);
    const exported = JSON.stringify(receiver.spans);
    expect(exported).not.toContain(TEST_STRIPE_KEY);
    expect(exported).not.toContain('monstock-test-token');
    for (const span of receiver.spans) expect(String(attribute(span, 'url.path') ?? '')).not.toContain('?');
    // Stripe's SDK calls go through node:http: they get client spans as well.
    const stripePort = Number(new URL(stripe.url).port);
    expect(receiver.spans.some((span) => span.kind === CLIENT && attribute(span, 'server.port') === stripePort)).toBe(
      true,
    );
  });

  it('replays the recorded histories with the tracing interceptors in the bundle', async () => {
    const code = await bundleConnectorWorkflows(createLogger({ level: 'error' }), { tracing: true });
    const files = fs.readdirSync(HISTORY_FIXTURES).filter((file) => file.endsWith('.json'));
    expect(code).toContain('OpenTelemetryInboundInterceptor');
    expect(files.length).toBeGreaterThan(0);
    const histories = files.map((file) => ({
      workflowId: file,
      history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORY_FIXTURES, file), 'utf8'))),
    }));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { code }, dataConverter: testDataConverter(), sinks: workerTracingOptions(tracing).sinks },
      histories,
    ))
      if (result.error) failures.push(`${result.workflowId}: ${(result.error as Error).message}`);
    expect(failures).toEqual([]);
  });
});
