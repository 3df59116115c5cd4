import type { FaultSettings } from '../../../sandbox/kit/faults';
import { errorOf, useSandbox } from './support/suite';

const { call, admin } = useSandbox();

const setFaults = async (body: unknown): Promise<FaultSettings> => {
  const answer = await admin<FaultSettings>('POST', '/_sandbox/faults', { body });
  expect(answer.status).toBe(200);
  return answer.body;
};

afterEach(async () => {
  await setFaults({});
});

test('GET returns the current knobs; {} clears them', async () => {
  expect((await admin('GET', '/_sandbox/faults')).body).toEqual({});
  const set = { latencyMs: 5, errorRate: 0.25, rateLimitPerSecond: 100, webhooks: { dropRate: 0.1, delayMs: 10 } };
  expect(await setFaults(set)).toEqual(set);
  expect((await admin('GET', '/_sandbox/faults')).body).toEqual(set);
  expect(await setFaults({})).toEqual({});
  expect((await admin('GET', '/_sandbox/faults')).body).toEqual({});
});

test('invalid knobs are 400 and leave the current ones alone', async () => {
  await setFaults({ errorRate: 0.5 });
  for (const body of [{ errorRate: 2 }, { latency: 5 }, { webhooks: { dropRate: -1 } }]) {
    const answer = await admin('POST', '/_sandbox/faults', { body });
    expect(answer.status).toBe(400);
    expect(errorOf(answer.body).code).toBe('invalid_request');
  }
  expect((await admin('GET', '/_sandbox/faults')).body).toEqual({ errorRate: 0.5 });
});

test('errorRate 1 answers 500 with an error body on API routes only', async () => {
  await setFaults({ errorRate: 1 });
  for (const [method, path] of [
    ['GET', '/v1/orders'],
    ['POST', '/v1/customers'],
    ['GET', '/v1/customers/mcu_x'],
  ]) {
    const answer = await call(method as string, path as string, { body: { email: 'a@b.co', name: 'A' } });
    expect(answer.status).toBe(500);
    expect(errorOf(answer.body)).toEqual({ code: 'server_error', message: expect.any(String) });
  }
  // An operator can always reach the admin routes to turn the fault off.
  expect((await admin('GET', '/_sandbox/faults')).status).toBe(200);
  await setFaults({});
  expect((await call('GET', '/v1/orders')).status).toBe(200);
});

test('rateLimitPerSecond 2: the third quick request is 429 with Retry-After', async () => {
  await setFaults({ rateLimitPerSecond: 2 });
  const statuses: number[] = [];
  let retryAfter: string | undefined;
  for (let index = 0; index < 3; index += 1) {
    const answer = await call('GET', '/v1/customers');
    statuses.push(answer.status);
    if (answer.status === 429) {
      retryAfter = answer.headers['retry-after'];
      expect(errorOf(answer.body).code).toBe('rate_limited');
    }
  }
  expect(statuses).toEqual([200, 200, 429]);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
});

test('latencyMs delays every API answer', async () => {
  await setFaults({ latencyMs: 150 });
  const started = Date.now();
  expect((await call('GET', '/v1/orders')).status).toBe(200);
  expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  await setFaults({});
  const fast = Date.now();
  await call('GET', '/v1/orders');
  expect(Date.now() - fast).toBeLessThan(150);
});
