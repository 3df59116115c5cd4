import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker, type WorkerOptions } from '@temporalio/worker';
import type Stripe from 'stripe';
import type { ActivityClients, FixedActivityClients, OrderSettings } from '../../src/activities';
import { DEFAULT_MATCH_RULES, parseMatchRules, type MatchSettings } from '../../src/matching/matchRules';
import { OrderMatcher } from '../../src/matching/orderMatcher';
import type { MonstockClient } from '../../src/monstock/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { EncryptionCodec, parseEncryptionKeys } from '../../src/temporal/codec/encryptionCodec';
import { connectorDataConverter } from '../../src/temporal/dataConverter';
import { createWorkflowDelivery } from '../../src/temporal/delivery';
import { createWorker } from '../../src/temporal/createWorker';

/** Helpers for tests against the run's one dev server (started by globalSetup). */
export function testTemporalAddress(): string {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address)
    throw new Error('TEMPORAL_TEST_ADDRESS is not set: run the tests through jest so globalSetup starts Temporal');
  return address;
}

/** The tests' payload key: tests encrypt like production, so recorded histories are encrypted too. */
export const TEST_ENCRYPTION_KEYS = parseEncryptionKeys('test-1:85aPhV5OfSnTV1RfQbkvpmyGat2XHnRnTCc/aK9rVm4=');
export const testDataConverter = () => connectorDataConverter(TEST_ENCRYPTION_KEYS);

export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function connectTestClient(): Promise<Client> {
  const connection = await Connection.connect({ address: testTemporalAddress() });
  return new Client({
    connection,
    namespace: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
    dataConverter: testDataConverter(),
  });
}

export interface RunningWorker {
  worker: Worker;
  connection: NativeConnection;
  stop(): Promise<void>;
}

/** Starts the connector's real worker on its own task queue; `stop` drains and closes it. */
export async function startTestWorker(
  taskQueue: string,
  clients: ActivityClients,
  overrides: Partial<WorkerOptions> = {},
): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: testTemporalAddress() });
  const worker = await createWorker({
    connection,
    namespace: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
    taskQueue,
    clients,
    dataConverter: testDataConverter(),
    overrides,
  });
  const running = worker.run();
  return {
    worker,
    connection,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `condition not met within ${timeoutMs} ms${lastError ? `: ${(lastError as Error).message}` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The worker's clients for tests: the sandboxes' SDK clients plus matching and delivery on this run's Temporal. */
export function connectorClients(options: {
  monstock: MonstockClient;
  stripe: Stripe;
  client: Client;
  taskQueue: string;
  settings?: MatchSettings;
  idleWindow?: string;
  orderSettings?: OrderSettings;
}): FixedActivityClients {
  const matcher = new OrderMatcher({
    stripe: options.stripe,
    monstock: options.monstock,
    settings: options.settings ?? { rules: parseMatchRules(DEFAULT_MATCH_RULES), ignore: [] },
  });
  const delivery = createWorkflowDelivery({
    client: options.client,
    taskQueue: options.taskQueue,
    idleWindow: options.idleWindow ?? '1 hour',
  });
  return {
    monstock: options.monstock,
    stripe: options.stripe,
    matcher,
    deliverToOrder: delivery.toOrder,
    orderChanged: delivery.orderChanged,
    toUnmatched: delivery.toUnmatched,
    ...(options.orderSettings ? { orderSettings: options.orderSettings } : {}),
  };
}

/** Reads a payload from a fetched history as the connector wrote it: decrypted, then JSON. */
export async function decodeHistoryPayload<T>(payload: Payload): Promise<T> {
  const [decoded] = await new EncryptionCodec(TEST_ENCRYPTION_KEYS).decode([payload]);
  return defaultPayloadConverter.fromPayload<T>(decoded!);
}
