import type { ConnectorConfig } from '../../config';
import { answerNotAccepted, RECEIVED, webhookRouteBasics, type WebhookRouteOptions } from '../http/webhookRoute';
import type { OrderMatcher } from '../../matching/orderMatcher';
import { WEBHOOK_COUNTERS as C } from '../../observability/counters';
import type { CustomerChangeAtEdge } from '../../shared/customerSync';
import type { StripeEventRef } from '../../shared/orderPayment';
import { beforeDeadline, handOffBefore } from '../http/deadline';
import type { WebhookAnswer, WebhookRoute } from '../http/server';
import { stripeEventAction, type StripeEventAction, type StripeWebhookEvent } from '../../events/stripeEventActions';
import { matchEvent } from '../../matching/matchEvent';
import type { Database } from '../../store/database';
import { loadManagedSecret } from '../../store/managedSecrets';
import type { StripeConnectionParts } from '../http/webhookConnections';
import { StripeWebhookSecrets } from './secrets';
import { verifyStripeWebhook, type VerifyResult } from './verify';

/**
 * `POST /webhooks/stripe[/<connectionId>]`: verify, pick the action, find the order, hand the
 * event to Temporal, and only then answer 200. What the answer is, by cause:
 *  - 400: bad signature or body; an id no workflow id could carry (`invalid_id`); an event of
 *    the other mode than the key's (`livemode_mismatch`). Counted as rejected, with the reason.
 *  - 200: delivered; or acknowledged without delivery: unknown type, redundant, no payment
 *    intent, another integration's (`ignore_rule`), or an intent / session Stripe answers 404
 *    for (`object_not_found`, also noted for the problems page). Counted as accepted/ignored.
 *  - 503: only what a later delivery can cure: Temporal unreachable or slow, the answer
 *    deadline, Stripe or Monstock 5xx/429/unreachable. Counted as unavailable.
 *  - 500: anything else (a key Stripe refuses, a request Temporal refuses, a bug): counted as
 *    failed and logged as an error, for a person.
 */
export interface StripeWebhookRouteOptions extends WebhookRouteOptions {
  /** The environment's connection's matcher, for every connection id the path names; needed without `connections`. */
  matcher?: OrderMatcher;
  config: Pick<ConnectorConfig, 'stripe' | 'temporal' | 'orders'>;
  /** Where `npm run setup` stored the managed endpoint's secret (every replica's); unset: configured secrets only. */
  database?: Database;
  secretReloadIntervalMs?: number;
  /** Each connection's own matcher, key mode and secrets (webhookConnections.ts); wins over `matcher`. */
  connections?: { stripe(connectionId: string): Promise<StripeConnectionParts | undefined> };
}

/** The route, and its second half for events verified elsewhere (the Connect platform endpoint). */
export interface StripeWebhookHandlers {
  route: WebhookRoute;
  /** Hands a verified event to `connectionId`'s workflows, as the route does after verifying. */
  deliverVerified(connectionId: string, event: StripeWebhookEvent): Promise<WebhookAnswer>;
}

const labelsOf = (connectionId: string) => ({ source: 'stripe', connection: connectionId });

/** A live key (`sk_live_…`, restricted `rk_live_…`) takes live events only; any other key, test events only. */
export function isLiveStripeKey(secretKey: string): boolean {
  return /^(sk|rk)_live_/.test(secretKey);
}

export function createStripeWebhookRoute(options: StripeWebhookRouteOptions): WebhookRoute {
  return createStripeWebhookHandlers(options).route;
}

export function createStripeWebhookHandlers(options: StripeWebhookRouteOptions): StripeWebhookHandlers {
  const { config, counters } = options;
  const { logger, answerWithinMs, temporalDeadlineMs, delivery } = webhookRouteBasics(options, 'stripe');
  const partsOf = options.connections
    ? (connectionId: string) => options.connections!.stripe(connectionId)
    : environmentParts();

  /** Without a registry: the environment's matcher and key for any id the shell lets through, as before. */
  function environmentParts(): (connectionId: string) => Promise<StripeConnectionParts> {
    const matcher = options.matcher;
    if (!matcher) throw new Error('the Stripe webhook route needs a matcher or the connections it serves');
    const liveKey = isLiveStripeKey(config.stripe.secretKey);
    const keys = config.temporal.encryptionKeys;
    const byConnection = new Map<string, StripeConnectionParts>();
    return async (connectionId) => {
      let parts = byConnection.get(connectionId);
      if (!parts) {
        const database = options.database;
        const secrets = new StripeWebhookSecrets({
          configured: config.stripe.webhookSecrets,
          ...(database ? { load: async () => (await loadManagedSecret(database, keys, connectionId))?.secret } : {}),
          ...(options.secretReloadIntervalMs !== undefined ? { reloadIntervalMs: options.secretReloadIntervalMs } : {}),
        });
        parts = { matcher, liveKey, secrets };
        byConnection.set(connectionId, parts);
      }
      return parts;
    };
  }

  const route: WebhookRoute = async ({ connectionId, headers, rawBody }) => {
    const labels = labelsOf(connectionId);
    counters.inc(C.received, labels);
    const parts = await partsOf(connectionId);
    if (!parts) {
      // Removed between the shell's look-up and this one: as final as an unknown id.
      counters.inc(C.rejected, { source: 'stripe', connection: 'unknown', reason: 'unknown_connection' });
      return { status: 404, body: { error: `unknown connection ${connectionId}` } };
    }
    const verified = await verifyWithSecrets(parts.secrets, rawBody, headers['stripe-signature']);
    if (!verified.ok) {
      counters.inc(C.rejected, { ...labels, reason: verified.reason });
      logger.warn('stripe webhook rejected', { connectionId, reason: verified.reason });
      return { status: 400, body: { error: verified.reason } };
    }
    return deliver(connectionId, parts, verified.event);
  };

  async function deliverVerified(connectionId: string, event: StripeWebhookEvent): Promise<WebhookAnswer> {
    const parts = await partsOf(connectionId);
    if (!parts) {
      counters.inc(C.rejected, { source: 'stripe', connection: 'unknown', reason: 'unknown_connection' });
      return { status: 404, body: { error: `unknown connection ${connectionId}` } };
    }
    return deliver(connectionId, parts, event);
  }

  async function deliver(
    connectionId: string,
    parts: StripeConnectionParts,
    event: StripeWebhookEvent,
  ): Promise<WebhookAnswer> {
    const labels = labelsOf(connectionId);
    const { matcher, liveKey } = parts;
    // Ids and types only: event objects carry names, emails and addresses.
    const fields = { connectionId, eventId: event.id, type: event.type };
    if (typeof event.livemode === 'boolean' && event.livemode !== liveKey) {
      // Signed with our secret, yet of the other mode: the endpoint or the key is misconfigured.
      return refuse(connectionId, event, 'livemode_mismatch', {
        event: event.livemode ? 'live' : 'test',
        key: liveKey ? 'live' : 'test',
      });
    }
    const action = stripeEventAction(event);
    if (action.kind === 'reject')
      return refuse(connectionId, event, action.reason, { field: action.field, value: action.value });
    if (action.kind === 'skip') {
      if (action.reason === 'unknown_type') counters.inc(C.unknown, labels);
      else counters.inc(C.ignored, { ...labels, reason: action.reason });
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
      if (outcome.kind === 'ignored' && outcome.cause === 'object_not_found') {
        // No retry will make Stripe know it: acknowledged, counted, and noted for the problems page.
        counters.inc(C.ignored, { ...labels, reason: 'object_not_found' });
        counters.note({
          source: 'stripe',
          connection: connectionId,
          reason: 'object_not_found',
          eventId: event.id,
          type: event.type,
          objectId: ref.objectId,
          paymentIntentId: ref.paymentIntentId,
          status: 200,
        });
        logger.warn('stripe event acknowledged: Stripe does not know its object', {
          ...fields,
          objectId: ref.objectId,
          paymentIntentId: ref.paymentIntentId,
          reason: outcome.reason,
        });
        return RECEIVED;
      }
      if (outcome.kind === 'ignored') {
        counters.inc(C.ignored, { ...labels, reason: 'ignore_rule' });
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
      counters.inc(C.accepted, { ...labels, workflow: outcome.kind });
      if (outcome.kind === 'unmatched') {
        counters.inc(C.unmatched, labels);
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
      return failed(connectionId, error, { ...fields, paymentIntentId: ref.paymentIntentId });
    }
  }

  function refuse(
    connectionId: string,
    event: StripeWebhookEvent,
    reason: string,
    details: Record<string, string>,
  ): WebhookAnswer {
    counters.inc(C.rejected, { ...labelsOf(connectionId), reason });
    counters.note({
      source: 'stripe',
      connection: connectionId,
      reason,
      eventId: String(event.id).slice(0, 80),
      type: event.type,
      status: 400,
    });
    logger.warn('stripe event refused: no retry can make it deliverable', {
      connectionId,
      eventId: String(event.id).slice(0, 80),
      type: event.type,
      reason,
      ...details,
    });
    return { status: 400, body: { error: reason, ...details } };
  }

  function failed(connectionId: string, error: unknown, fields: Record<string, unknown>): WebhookAnswer {
    return answerNotAccepted(error, { source: 'stripe', connectionId, counters, logger, fields });
  }

  async function deliverCustomer(
    connectionId: string,
    action: Extract<StripeEventAction, { kind: 'customer' }>,
    fields: Record<string, string>,
  ): Promise<WebhookAnswer> {
    const labels = labelsOf(connectionId);
    if (!options.customerDelivery) {
      counters.inc(C.ignored, { ...labels, reason: 'customer_sync_not_wired' });
      return RECEIVED;
    }
    const deadline = Date.now() + temporalDeadlineMs;
    try {
      const change: CustomerChangeAtEdge = {
        source: 'stripe',
        customerId: action.customerId,
        eventId: action.eventId,
        changedAt: new Date(action.created * 1000).toISOString(),
        ...(action.ownWrite ? { ownWrite: true } : {}),
      };
      const customerDelivery = options.customerDelivery;
      await handOffBefore(options.client, deadline, 'handing the customer change to Temporal', () =>
        customerDelivery(connectionId, change),
      );
      counters.inc(C.accepted, { ...labels, workflow: 'customer_sync' });
      return RECEIVED;
    } catch (error) {
      return failed(connectionId, error, fields);
    }
  }

  return { route, deliverVerified };
}

/** Verifies against the connection's secrets, re-reading them once (rate-limited) on a bad signature. */
export async function verifyWithSecrets(
  secrets: StripeWebhookSecrets,
  rawBody: Buffer,
  header: string | string[] | undefined,
): Promise<VerifyResult> {
  const first = verifyStripeWebhook(rawBody, header, await secrets.current());
  // Setup (on any replica) may have just replaced the managed endpoint and its secret: look once more.
  if (!first.ok && first.reason === 'bad_signature' && (await secrets.reload()))
    return verifyStripeWebhook(rawBody, header, await secrets.current());
  return first;
}
