import type { ConnectorConfig } from '../../config';
import { answerNotAccepted, RECEIVED, webhookRouteBasics, type WebhookRouteOptions } from '../http/webhookRoute';
import { WEBHOOK_COUNTERS as C } from '../../observability/counters';
import { orderWorkflowId } from '../../shared/ids';
import type { WebhookAnswer, WebhookRoute } from '../http/server';
import { handOffBefore } from '../http/deadline';
import { monstockEventAction } from '../../events/monstockEventActions';
import { verifyMonstockWebhook } from './verify';

/**
 * `POST /webhooks/monstock[/<connectionId>]`: verify, pick the action, hand the change to
 * Temporal, and only then answer 2xx. A bad signature or body, an order or customer without its
 * routing fields, or an id no workflow id could carry (`invalid_id`) answers 400. Only what a
 * later delivery can cure (Temporal unreachable or slow, the answer deadline) answers 503, so
 * Monstock delivers it again later (and the order feed would find it); anything else answers
 * 500, counted as failed, for a person.
 */
export interface MonstockWebhookRouteOptions extends WebhookRouteOptions {
  config: Pick<ConnectorConfig, 'monstock' | 'temporal' | 'orders'>;
  /**
   * Each connection's own webhook secrets (webhookConnections.ts); undefined for no such connection.
   * Unset: MONSTOCK_WEBHOOK_SECRET for any id the shell lets through, as before the registry.
   */
  webhookSecretsOf?: (connectionId: string) => Promise<readonly string[] | undefined>;
}

const labelsOf = (connectionId: string) => ({ source: 'monstock', connection: connectionId });

export function createMonstockWebhookRoute(options: MonstockWebhookRouteOptions): WebhookRoute {
  const { config, counters, customerDelivery } = options;
  const { logger, answerWithinMs, temporalDeadlineMs, delivery } = webhookRouteBasics(options, 'monstock');

  const secretsOf = options.webhookSecretsOf ?? (async () => config.monstock.webhookSecrets);

  return async ({ connectionId, headers, rawBody }) => {
    const labels = labelsOf(connectionId);
    counters.inc(C.received, labels);
    const secrets = await secretsOf(connectionId);
    if (!secrets) {
      // Removed between the shell's look-up and this one: as final as an unknown id.
      counters.inc(C.rejected, { source: 'monstock', connection: 'unknown', reason: 'unknown_connection' });
      return { status: 404, body: { error: `unknown connection ${connectionId}` } };
    }
    // Only this connection's secrets: another tenant's signature never verifies here.
    const verified = verifyMonstockWebhook(rawBody, headers['monstock-signature'], secrets);
    if (!verified.ok) return reject(connectionId, verified.reason);
    const event = verified.event;
    // Ids and types only: orders and customers carry names, e-mails and addresses.
    const fields = { connectionId, eventId: event.id, type: event.type };
    const action = monstockEventAction(event);
    if (action.kind === 'reject')
      return reject(
        connectionId,
        action.reason,
        fields,
        action.field ? { field: action.field, ...(action.value !== undefined ? { value: action.value } : {}) } : {},
      );
    if (action.kind === 'skip') {
      counters.inc(C.unknown, labels);
      logger.debug('monstock event of an unknown type acknowledged', fields);
      return RECEIVED;
    }
    if (action.kind === 'own_write') {
      counters.inc(C.ignored, { ...labels, reason: 'own_write' });
      logger.debug("monstock echo of the connector's own order write acknowledged", {
        ...fields,
        orderId: action.orderId,
        version: action.version,
      });
      return RECEIVED;
    }
    if (action.kind === 'customer' && !customerDelivery) {
      counters.inc(C.ignored, { ...labels, reason: 'customer_sync_not_wired' });
      logger.debug('monstock customer event acknowledged: customer sync is not wired to this route', {
        ...fields,
        customerId: action.change.customerId,
      });
      return RECEIVED;
    }
    const deadline = Date.now() + Math.min(answerWithinMs, temporalDeadlineMs);
    try {
      if (action.kind === 'order') {
        const change = action.change;
        await handOffBefore(options.client, deadline, 'handing the order change to Temporal', () =>
          delivery.orderChanged(connectionId, change, action.searchable),
        );
        const workflowId = orderWorkflowId(connectionId, change.orderId);
        counters.inc(C.accepted, { ...labels, workflow: 'order' });
        logger.debug('monstock order event delivered', {
          ...fields,
          orderId: action.change.orderId,
          version: action.change.version,
          workflowId,
        });
      } else if (customerDelivery) {
        const change = action.change;
        await handOffBefore(options.client, deadline, 'handing the customer change to Temporal', () =>
          customerDelivery(connectionId, change),
        );
        counters.inc(C.accepted, { ...labels, workflow: 'customer' });
        logger.debug('monstock customer event delivered', { ...fields, customerId: action.change.customerId });
      }
      return RECEIVED;
    } catch (error) {
      return answerNotAccepted(error, { source: 'monstock', connectionId, counters, logger, fields });
    }
  };

  function reject(
    connectionId: string,
    reason: string,
    fields: Record<string, unknown> = { connectionId },
    details: Record<string, string> = {},
  ): WebhookAnswer {
    counters.inc(C.rejected, { ...labelsOf(connectionId), reason });
    if (reason === 'invalid_id') {
      counters.note({
        source: 'monstock',
        connection: connectionId,
        reason,
        eventId: String(fields.eventId ?? '').slice(0, 80),
        type: String(fields.type ?? ''),
        status: 400,
      });
    }
    logger.warn('monstock webhook rejected', { ...fields, reason, ...details });
    return { status: 400, body: { error: reason, ...details } };
  }
}
