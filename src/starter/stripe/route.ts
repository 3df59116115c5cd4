import type { Client } from '@temporalio/client';
import type { ConnectorConfig } from '../../config';
import type { OrderMatcher } from '../../matching/orderMatcher';
import { WEBHOOK_COUNTERS as C, type Counters } from '../../observability/counters';
import type { Logger } from '../../observability/logger';
import type { CustomerChangedEvent } from '../../shared/customerSync';
import type { StripeEventRef } from '../../shared/orderPayment';
import { beforeDeadline, handOffBefore } from '../http/deadline';
import type { WebhookAnswer, WebhookRoute } from '../http/server';
import { createWorkflowDelivery, type DeliverCustomerChange } from '../../temporal/delivery';
import { stripeEventAction, type StripeEventAction } from '../../events/stripeEventActions';
import { matchEvent } from '../../matching/matchEvent';
import { managedSecretFile } from './secretFile';
import { StripeWebhookSecrets } from './secrets';
import { verifyStripeWebhook, type VerifyResult } from './verify';

/**
 * `POST /webhooks/stripe[/<connectionId>]`: verify, pick the action, find the order, hand the
 * event to Temporal, and only then answer 200. Anything that keeps the event from reaching
 * Temporal durably answers 503, so Stripe delivers it again later.
 */
export interface StripeWebhookRouteOptions {
  client: Client;
  matcher: OrderMatcher;
  config: Pick<ConnectorConfig, 'stripe' | 'temporal' | 'orders' | 'dataDir'>;
  logger: Logger;
  counters: Counters;
  /** Hands `customer.*` events to customer sync; without it they are acknowledged and counted. */
  customerDelivery?: DeliverCustomerChange;
  /** Budget for matching and delivery together: Stripe stops waiting after some seconds. */
  answerWithinMs?: number;
  /** Deadline of the Temporal call within that budget. */
  temporalDeadlineMs?: number;
  secretReloadIntervalMs?: number;
}

const SOURCE = { source: 'stripe' } as const;
const RECEIVED: WebhookAnswer = { status: 200, body: { received: true } };

export function createStripeWebhookRoute(options: StripeWebhookRouteOptions): WebhookRoute {
  const { matcher, config, counters } = options;
  const logger = options.logger.child({ webhook: 'stripe' });
  const answerWithinMs = options.answerWithinMs ?? 8_000;
  const temporalDeadlineMs = options.temporalDeadlineMs ?? 5_000;
  const delivery = createWorkflowDelivery({
    client: options.client,
    taskQueue: config.temporal.taskQueue,
    idleWindow: config.orders.idleWindow,
  });
  const secretsByConnection = new Map<string, StripeWebhookSecrets>();

  const secretsOf = (connectionId: string): StripeWebhookSecrets => {
    let secrets = secretsByConnection.get(connectionId);
    if (!secrets) {
      secrets = new StripeWebhookSecrets({
        configured: config.stripe.webhookSecrets,
        file: managedSecretFile(config.dataDir, connectionId),
        ...(options.secretReloadIntervalMs !== undefined ? { reloadIntervalMs: options.secretReloadIntervalMs } : {}),
      });
      secretsByConnection.set(connectionId, secrets);
    }
    return secrets;
  };

  return async ({ connectionId, headers, rawBody }) => {
    counters.inc(C.received, SOURCE);
    const verified = verify(secretsOf(connectionId), rawBody, headers['stripe-signature']);
    if (!verified.ok) {
      counters.inc(C.rejected, { ...SOURCE, reason: verified.reason });
      logger.warn('stripe webhook rejected', { connectionId, reason: verified.reason });
      return { status: 400, body: { error: verified.reason } };
    }
    const event = verified.event;
    // Ids and types only: event objects carry names, emails and addresses.
    const fields = { connectionId, eventId: event.id, type: event.type };
    const action = stripeEventAction(event);
    if (action.kind === 'skip') {
      if (action.reason === 'unknown_type') counters.inc(C.unknown, SOURCE);
      else counters.inc(C.ignored, { ...SOURCE, reason: action.reason });
      logger.debug('stripe event acknowledged without delivery', { ...fields, reason: action.reason });
      return RECEIVED;
    }
    if (action.kind === 'customer') return deliverCustomer(connectionId, action, fields);
    const ref: StripeEventRef = action.ref;
    const deadline = Date.now() + answerWithinMs;
    try {
      const outcome = await beforeDeadline(
        matchEvent(matcher, ref.paymentIntentId, action.match),
        deadline,
        'finding the order',
      );
      if (outcome.kind === 'ignored') {
        counters.inc(C.ignored, { ...SOURCE, reason: 'ignore_rule' });
        logger.info('stripe event ignored', {
          ...fields,
          paymentIntentId: ref.paymentIntentId,
          reason: outcome.reason,
        });
        return RECEIVED;
      }
      const toTemporal = () => delivery.toMatched(connectionId, outcome, ref);
      const workflowId = await handOffBefore(
        options.client,
        deadline,
        'handing the event to Temporal',
        toTemporal,
        Date.now() + temporalDeadlineMs,
      );
      counters.inc(C.accepted, { ...SOURCE, workflow: outcome.kind });
      if (outcome.kind === 'unmatched') {
        counters.inc(C.unmatched, SOURCE);
        logger.warn('stripe payment matched no order: delivered to its unmatched-payment workflow', {
          ...fields,
          workflowId,
          reason: outcome.reason,
        });
      } else {
        logger.debug('stripe event delivered', { ...fields, workflowId });
      }
      return RECEIVED;
    } catch (error) {
      counters.inc(C.unavailable, SOURCE);
      logger.warn('stripe event not accepted, answering 503 so Stripe retries', {
        ...fields,
        paymentIntentId: ref.paymentIntentId,
        error,
      });
      return { status: 503, body: { error: 'temporarily unavailable, retry later' } };
    }
  };

  async function deliverCustomer(
    connectionId: string,
    action: Extract<StripeEventAction, { kind: 'customer' }>,
    fields: Record<string, string>,
  ): Promise<WebhookAnswer> {
    if (!options.customerDelivery) {
      counters.inc(C.ignored, { ...SOURCE, reason: 'customer_sync_not_wired' });
      return RECEIVED;
    }
    const deadline = Date.now() + temporalDeadlineMs;
    try {
      const change: CustomerChangedEvent = {
        source: 'stripe',
        customerId: action.customerId,
        eventId: action.eventId,
        changedAt: new Date(action.created * 1000).toISOString(),
      };
      const customerDelivery = options.customerDelivery;
      await handOffBefore(options.client, deadline, 'handing the customer change to Temporal', () =>
        customerDelivery(connectionId, change),
      );
      counters.inc(C.accepted, { ...SOURCE, workflow: 'customer_sync' });
      return RECEIVED;
    } catch (error) {
      counters.inc(C.unavailable, SOURCE);
      logger.warn('stripe customer event not accepted, answering 503 so Stripe retries', { ...fields, error });
      return { status: 503, body: { error: 'temporarily unavailable, retry later' } };
    }
  }
}

function verify(secrets: StripeWebhookSecrets, rawBody: Buffer, header: string | string[] | undefined): VerifyResult {
  const first = verifyStripeWebhook(rawBody, header, secrets.current());
  // Setup may have just replaced the managed endpoint (and its secret file): look once more.
  if (!first.ok && first.reason === 'bad_signature' && secrets.reload())
    return verifyStripeWebhook(rawBody, header, secrets.current());
  return first;
}
