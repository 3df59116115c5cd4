import { CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/**
 * Every activity serves one connection, named in its input (`connectionId`; absent in histories
 * recorded before it was passed, which serve the environment's connection). The SDK's activity
 * logs and metrics know the activity but not the connection: this names it in each log line
 * (`connectionId`) and in the tags of the activity's metrics (`connection`), and counts
 * executions per connection, activity type and outcome, so one merchant's failures stand out
 * from a hundred's on the worker's /metrics (TEMPORAL_METRICS_ADDRESS).
 */
export const ACTIVITY_EXECUTIONS_COUNTER = 'connector_activity_executions';

export type ActivityOutcome = 'completed' | 'failed' | 'cancelled';

function connectionIdOf(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const id = (input as { connectionId?: unknown }).connectionId;
  return typeof id === 'string' ? id : undefined;
}

export function connectionActivityInterceptors(fallbackConnectionId: string): ActivityInterceptorsFactory {
  return (ctx) => {
    // Set when the activity starts executing; log lines and metric tags read it when emitted.
    let connectionId: string | undefined;
    return {
      inbound: {
        async execute(input, next) {
          connectionId = connectionIdOf(input.args[0]) ?? fallbackConnectionId;
          // Through the activity's meter: tagged with namespace, task queue, activity type and connection.
          const executions = ctx.metricMeter.createCounter(
            ACTIVITY_EXECUTIONS_COUNTER,
            'executions',
            'Activity executions by connection, activity type and outcome (completed, failed, cancelled).',
          );
          try {
            const result = await next(input);
            executions.add(1, { outcome: 'completed' satisfies ActivityOutcome });
            return result;
          } catch (error) {
            executions.add(1, {
              outcome: (error instanceof CancelledFailure ? 'cancelled' : 'failed') satisfies ActivityOutcome,
            });
            throw error;
          }
        },
      },
      outbound: {
        getLogAttributes: (attributes, next) => next(connectionId ? { ...attributes, connectionId } : attributes),
        getMetricTags: (tags, next) => next(connectionId ? { ...tags, connection: connectionId } : tags),
      },
    };
  };
}
