import { z } from 'zod';
import type { StripeWebhookEvent } from '../../events/stripeEventActions';
import { WEBHOOK_COUNTERS as C, type Counters } from '../../observability/counters';
import type { Logger } from '../../observability/logger';
import { PAUSED_RETRY_AFTER_SECONDS, type PlatformWebhookRoute, type WebhookAnswer } from '../http/server';
import { RECEIVED } from '../http/webhookRoute';
import type { StripeWebhookSecrets } from './secrets';
import { verifyWithSecrets } from './route';

/**
 * `POST /webhooks/stripe-connect`: the platform's one endpoint for its connected accounts' events.
 * Verified with the platform's Connect endpoint secret(s), then routed by `event.account` to the
 * registered connection of that account, and handled exactly as that connection's own route would.
 *
 * Answers, by cause:
 *  - 400: bad signature or body (counted as rejected), as on every route.
 *  - 200 + counted as ignored: no `account` (`no_account`), or an account no connection serves
 *    (`unknown_account`). Stripe sends the platform every connected account's events, also those
 *    of accounts this deployment does not serve; and Stripe retries any non-2xx for days and then
 *    disables the endpoint, so a 4xx would be no final answer here: 2xx and a counter is.
 *  - 503 with Retry-After: the connection is paused (Stripe retries; nothing is lost), or the
 *    registry cannot be read.
 */
export interface StripeConnectRouteOptions {
  counters: Counters;
  logger: Logger;
  /** The platform's Connect endpoint secret(s): STRIPE_CONNECT_WEBHOOK_SECRET and the managed one. */
  secrets: StripeWebhookSecrets;
  /** The connection serving this connected account, if any. */
  connectionOfAccount(account: string): Promise<{ id: string; status: 'active' | 'paused' } | undefined>;
  /** The account's connection's own handling of a verified event (createStripeWebhookHandlers). */
  deliverVerified(connectionId: string, event: StripeWebhookEvent): Promise<WebhookAnswer>;
}

/** The label of events not (yet) attributed to a connection. */
const PLATFORM = { source: 'stripe-connect', connection: 'platform' } as const;
const accountSchema = z.string().regex(/^acct_[A-Za-z0-9]{1,64}$/);

export function createStripeConnectRoute(options: StripeConnectRouteOptions): PlatformWebhookRoute {
  const { counters } = options;
  const logger = options.logger.child({ webhook: 'stripe-connect' });

  return async ({ headers, rawBody }) => {
    counters.inc(C.received, PLATFORM);
    const verified = await verifyWithSecrets(options.secrets, rawBody, headers['stripe-signature']);
    if (!verified.ok) {
      counters.inc(C.rejected, { ...PLATFORM, reason: verified.reason });
      logger.warn('stripe connect webhook rejected', { reason: verified.reason });
      return { status: 400, body: { error: verified.reason } };
    }
    const event = verified.event;
    const fields = { eventId: String(event.id).slice(0, 80), type: event.type };
    const account = accountSchema.safeParse((event as { account?: unknown }).account);
    if (!account.success) {
      counters.inc(C.ignored, { ...PLATFORM, reason: 'no_account' });
      logger.info('stripe connect event without a connected account acknowledged', fields);
      return RECEIVED;
    }
    let connection: { id: string; status: 'active' | 'paused' } | undefined;
    try {
      connection = await options.connectionOfAccount(account.data);
    } catch (error) {
      counters.inc(C.unavailable, { ...PLATFORM, reason: 'registry_unavailable' });
      logger.warn('connection registry unreadable: answering 503 so Stripe retries', { ...fields, error });
      return { status: 503, body: { error: 'temporarily unavailable, retry later' } };
    }
    if (!connection) {
      counters.inc(C.ignored, { ...PLATFORM, reason: 'unknown_account' });
      logger.info('stripe connect event of an account no connection serves acknowledged', {
        ...fields,
        account: account.data,
      });
      return RECEIVED;
    }
    if (connection.status === 'paused') {
      counters.inc(C.unavailable, { source: 'stripe-connect', connection: connection.id, reason: 'paused' });
      return {
        status: 503,
        body: { error: `connection ${connection.id} is paused, retry later` },
        headers: { 'retry-after': String(PAUSED_RETRY_AFTER_SECONDS) },
      };
    }
    return options.deliverVerified(connection.id, event);
  };
}
