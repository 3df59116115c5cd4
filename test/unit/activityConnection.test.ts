import { Context } from '@temporalio/activity';
import {
  CancelledFailure,
  type LogLevel,
  type LogMetadata,
  type Logger,
  type MetricCounter,
  type MetricMeter,
  type MetricTags,
} from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  ACTIVITY_EXECUTIONS_COUNTER,
  connectionActivityInterceptors,
} from '../../src/observability/activityConnection';

/**
 * The worker's activity logs and metrics name the connection the activity serves, read from its
 * input; run through the SDK's own activity machinery (MockActivityEnvironment runs the same
 * interceptor chain and composed logger and meter as a worker).
 */
interface Logged {
  message: string;
  meta: LogMetadata | undefined;
}

function recordingLogger(lines: Logged[]): Logger {
  const log = (_level: LogLevel, message: string, meta?: LogMetadata) => lines.push({ message, meta });
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

interface Added {
  name: string;
  value: number;
  tags: MetricTags;
}

function recordingMeter(added: Added[], baseTags: MetricTags = {}): MetricMeter {
  const counter = (name: string, tags: MetricTags): MetricCounter => ({
    name,
    unit: undefined,
    description: undefined,
    kind: 'counter',
    valueType: 'int',
    add: (value, extraTags = {}) => added.push({ name, value, tags: { ...tags, ...extraTags } }),
    withTags: (more) => counter(name, { ...tags, ...more }),
  });
  const unsupported = () => {
    throw new Error('not used by the interceptor');
  };
  return {
    createCounter: (name) => counter(name, baseTags),
    createHistogram: unsupported,
    createGauge: unsupported,
    withTags: (tags) => recordingMeter(added, { ...baseTags, ...tags }),
  };
}

function environment(lines: Logged[], added: Added[]): MockActivityEnvironment {
  return new MockActivityEnvironment(
    { activityType: 'recordPayment' },
    {
      logger: recordingLogger(lines),
      metricMeter: recordingMeter(added),
      interceptors: [connectionActivityInterceptors('default')],
    },
  );
}

describe('activity logs and metrics carry the connection', () => {
  it('adds connectionId to log lines and counts a completed execution under its connection', async () => {
    const lines: Logged[] = [];
    const added: Added[] = [];
    const result = await environment(lines, added).run(
      async (input: { connectionId: string; orderId: string }) => {
        Context.current().log.info('recording payment', { orderId: input.orderId });
        return 'done';
      },
      { connectionId: 'merchant-a', orderId: 'ord_1' },
    );

    expect(result).toBe('done');
    const line = lines.find((entry) => entry.message === 'recording payment');
    expect(line?.meta).toMatchObject({ connectionId: 'merchant-a', orderId: 'ord_1', activityType: 'recordPayment' });
    expect(added.filter((entry) => entry.name === ACTIVITY_EXECUTIONS_COUNTER)).toEqual([
      {
        name: ACTIVITY_EXECUTIONS_COUNTER,
        value: 1,
        tags: expect.objectContaining({
          connection: 'merchant-a',
          activityType: 'recordPayment',
          outcome: 'completed',
        }),
      },
    ]);
  });

  it('counts failures and cancellations apart, and falls back to the environment’s connection', async () => {
    const lines: Logged[] = [];
    const added: Added[] = [];
    await expect(
      environment(lines, added).run(
        async () => {
          Context.current().log.warn('no connection id in this old input');
          throw new Error('Monstock said no');
        },
        { orderId: 'ord_2' },
      ),
    ).rejects.toThrow('Monstock said no');
    await expect(
      environment(lines, added).run(
        async () => {
          throw new CancelledFailure('cancelled');
        },
        { connectionId: 'merchant-b' },
      ),
    ).rejects.toThrow('cancelled');

    expect(lines.find((entry) => entry.message === 'no connection id in this old input')?.meta).toMatchObject({
      connectionId: 'default',
    });
    expect(added.map((entry) => [entry.tags.connection, entry.tags.outcome])).toEqual([
      ['default', 'failed'],
      ['merchant-b', 'cancelled'],
    ]);
  });
});
