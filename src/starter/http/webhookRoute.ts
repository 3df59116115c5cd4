import type { Client } from '@temporalio/client';
import type { ConnectorConfig } from '../../config';
import { classifyRouteError } from '../../events/routeErrors';
import { WEBHOOK_COUNTERS as C, type Counters } from '../../observability/counters';
import type { Logger } from '../../observability/logger';
import { createWorkflowDelivery, type DeliverCustomerChange, type WorkflowDelivery } from '../../temporal/delivery';
import type { WebhookAnswer } from './server';

/** What both webhook routes are given. */
export interface WebhookRouteOptions {
  client: Client;
  config: Pick<ConnectorConfig, 'temporal' | 'orders'>;
  logger: Logger;
  counters: Counters;
  /** Customer sync's entry point; without it `customer.*` events are acknowledged and counted. */
  customerDelivery?: DeliverCustomerChange;
  /** Budget for the whole answer: senders stop waiting after some seconds (Monstock after 10). */
  answerWithinMs?: number;
  /** Deadline of the Temporal call within that budget. */
  temporalDeadlineMs?: number;
}

export type WebhookSource = 'stripe' | 'monstock';

export const RECEIVED: WebhookAnswer = { status: 200, body: { received: true } };
export const UNAVAILABLE: WebhookAnswer = { status: 503, body: { error: 'temporarily unavailable, retry later' } };

/** A route's logger, time budget and way into Temporal, from its options. */
export function webhookRouteBasics(options: WebhookRouteOptions, source: WebhookSource) {
  const delivery: WorkflowDelivery = createWorkflowDelivery({
    client: options.client,
    taskQueue: options.config.temporal.taskQueue,
    idleWindow: options.config.orders.idleWindow,
  });
  return {
    logger: options.logger.child({ webhook: source }),
    answerWithinMs: options.answerWithinMs ?? 8_000,
    temporalDeadlineMs: options.temporalDeadlineMs ?? 5_000,
    delivery,
  };
}

/**
 * The answer when an event could not be handed on: 503 when a later delivery may succeed (the
 * sender retries), 500 (counted as failed, logged as an error) when only a person can help.
 */
export function answerNotAccepted(
  error: unknown,
  context: {
    source: WebhookSource;
    connectionId: string;
    counters: Counters;
    logger: Logger;
    fields: Record<string, unknown>;
  },
): WebhookAnswer {
  const { source, counters, logger, fields } = context;
  const connection = context.connectionId;
  const sender = source === 'stripe' ? 'Stripe' : 'Monstock';
  const failure = classifyRouteError(error);
  if (failure.retry) {
    counters.inc(C.unavailable, { source, connection });
    logger.warn(`${source} event not accepted, answering 503 so ${sender} retries`, {
      ...fields,
      cause: failure.reason,
      error,
    });
    return UNAVAILABLE;
  }
  counters.inc(C.failed, { source, connection, reason: failure.reason });
  logger.error(`${source} event not accepted for a cause a retry alone will not cure: answering 500`, {
    ...fields,
    cause: failure.reason,
    error,
  });
  return { status: 500, body: { error: 'not accepted', reason: failure.reason } };
}
