import Stripe from 'stripe';
import { createLogger, registerSecrets, type Logger } from '../../src/observability/logger';
import { openDatabase } from '../kit/database';
import { FaultController, type FaultSettings } from '../kit/faults';
import { listen, Router, type StartedServer } from '../kit/http';
import { createSandboxHttpServer } from '../kit/server';
import { WebhookOutbox } from '../kit/webhookOutbox';
import { accountAdminRoutes, accountRoutes } from './accountRoutes';
import { Accounts, accountIdForKey } from './accounts';
import { accountResolver } from './accountScope';
import { authenticator } from './auth';
import {
  balanceTransactionRoutes,
  clearSettlement,
  presentBalanceTransaction,
  settlementAdminRoutes,
} from './balanceTransactions';
import { chargeRoutes } from './charges';
import { checkoutAdminRoutes, checkoutSessionRoutes, followAsyncPayments } from './checkoutSessions';
import { createClock } from './clock';
import { clockAdminRoutes } from './clockRoutes';
import type { AdminRoute, ApiRoute, Presenter, SandboxContext } from './context';
import { customerRoutes } from './customers';
import {
  DECIDE_DISPUTE_JOB,
  disputeAdminRoutes,
  disputeRoutes,
  openDispute,
  presentDispute,
  runDisputeDecision,
} from './disputes';
import { shellErrorBody } from './errors';
import { EventBus } from './eventBus';
import { eventRoutes, presentEvent } from './events';
import { IdempotencyKeys } from './idempotency';
import { newId } from './ids';
import {
  captureAdminRoutes,
  captureRoutes,
  DEFAULT_AUTHORIZATION_EXPIRY_SECONDS,
  EXPIRE_AUTHORIZATION_JOB,
  expireAuthorization,
} from './manualCapture';
import { OPEN_DISPUTE_JOB, paymentIntentAdminRoutes, settlePaymentIntent, SETTLE_JOB } from './paymentConfirmation';
import { paymentIntentRoutes } from './paymentIntents';
import { paymentMethodRoutes } from './paymentMethods';
import { RequestLog } from './requestLog';
import { refundAdminRoutes, refundRoutes, settleRefund, SETTLE_REFUND_JOB } from './refunds';
import { adminHandler, apiHandler } from './route';
import { Scheduler } from './scheduler';
import { Store } from './store';
import { webhookEndpointRoutes } from './webhookEndpoints';

/**
 * A stateful stand-in for Stripe's test mode that the official SDK talks to unchanged
 * (`new Stripe(key, { host, port, protocol: 'http' })`). State lives in SQLite, so a restart
 * keeps customers, payments, events and pending webhook deliveries.
 */
export interface StripeSandboxOptions {
  /** 0 picks a free port (the default). */
  port?: number;
  host?: string;
  /** SQLite file; `:memory:` for a throwaway instance. */
  dataFile: string;
  /**
   * The sandbox's own key (`sk_test_...`; live keys are refused at start): its account is the
   * default one (the start endpoint's, and the one data from before accounts belongs to). Any
   * other well-formed `sk_test_` key is accepted too, as an account of its own.
   */
  secretKey: string;
  /** The "start endpoint" (like `stripe listen`): receives every event. */
  webhookUrl?: string;
  /** Its signing secret; made up (and kept in the data file) when not given. */
  webhookSecret?: string;
  faults?: FaultSettings;
  webhookBackoffBaseMs?: number;
  /** How long a SEPA debit (and a SEPA refund) stays pending; default 3 s. */
  sepaSettleMs?: number;
  /** How long until a test dispute opens, and until submitted test evidence decides it; default 250 ms. */
  disputeDelayMs?: number;
  /** How long an uncaptured (manual capture) card authorisation lasts; default 7 days, as Stripe. */
  authorizationExpirySeconds?: number;
  logger?: Logger;
  /** Wall clock in ms; the admin clock route adds its offset on top. */
  now?: () => number;
}

export interface StripeSandbox {
  url: string;
  port: number;
  /** The start endpoint's signing secret (whether or not a start endpoint URL is set). */
  webhookSecret: string;
  close(): Promise<void>;
}

/** Stripe keeps retrying a failing endpoint for three days; the attempt cap stands in for that. */
const MAX_DELIVERY_ATTEMPTS = 20;
const START_SECRET_KEY = 'start_webhook_secret';

function checkOptions(options: StripeSandboxOptions): void {
  if (!options.secretKey) throw new Error('secretKey is required (an sk_test_... key)');
  if (/^(sk|rk)_live_/.test(options.secretKey))
    throw new Error('refusing a live-mode key: the Stripe sandbox only imitates test mode');
  if (options.webhookUrl) {
    const url = new URL(options.webhookUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`webhookUrl must be http(s): ${options.webhookUrl}`);
  }
  for (const [name, value] of [
    ['sepaSettleMs', options.sepaSettleMs],
    ['disputeDelayMs', options.disputeDelayMs],
    ['webhookBackoffBaseMs', options.webhookBackoffBaseMs],
    ['authorizationExpirySeconds', options.authorizationExpirySeconds],
  ] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0))
      throw new Error(`${name} must be a non-negative number`);
  }
}

export async function startStripeSandbox(options: StripeSandboxOptions): Promise<StripeSandbox> {
  checkOptions(options);
  const logger = options.logger ?? createLogger({ name: 'stripe-sandbox' });
  const db = openDatabase(options.dataFile);
  const store = new Store(db, accountIdForKey(options.secretKey));
  const clock = createClock(store, options.now);
  const accounts = new Accounts(db, clock);
  accounts.ensureForKey(options.secretKey);
  const webhookSecret = options.webhookSecret ?? store.getState(START_SECRET_KEY) ?? newId('whsec');
  store.setState(START_SECRET_KEY, webhookSecret);
  registerSecrets(options.secretKey, webhookSecret);

  const presenters = new Map<string, Presenter>();
  const present: Presenter = (object) => presenters.get(object.object)?.(object) ?? object;
  const faults = new FaultController(options.faults ?? {});
  const apiVersion = Stripe.API_VERSION;
  const events = new EventBus({
    db,
    store,
    clock,
    apiVersion,
    present,
    maxAttempts: MAX_DELIVERY_ATTEMPTS,
    platformOf: (account) => accounts.platformOf(account),
    ...(options.webhookUrl ? { startEndpoint: { url: options.webhookUrl, secret: webhookSecret } } : {}),
  });
  const outbox = new WebhookOutbox({
    db,
    faults,
    signerFor: (endpointId) => events.signerFor(endpointId),
    onResult: (result) => {
      events.recordDelivery(result);
      logger.debug('webhook delivery', { ...result });
    },
    backoffBaseMs: options.webhookBackoffBaseMs ?? 1000,
    maxAttempts: MAX_DELIVERY_ATTEMPTS,
  });
  events.attach(outbox);
  const scheduler = new Scheduler(db, logger);
  let baseUrl = '';
  const ctx: SandboxContext = {
    db,
    store,
    accounts,
    clock,
    events,
    scheduler,
    logger,
    settings: {
      apiVersion,
      sepaSettleMs: options.sepaSettleMs ?? 3000,
      disputeDelayMs: options.disputeDelayMs ?? 250,
      authorizationExpirySeconds: options.authorizationExpirySeconds ?? DEFAULT_AUTHORIZATION_EXPIRY_SECONDS,
    },
    present,
    publicUrl: () => baseUrl,
  };
  presenters.set('balance_transaction', presentBalanceTransaction(ctx));
  presenters.set('event', presentEvent(events));
  presenters.set('dispute', presentDispute(ctx));
  // A job runs as the account holding its object (a target is an id, or `id:outcome`).
  const asOwnerOf = (run: (target: string) => void) => (target: string) =>
    store.inAccount(store.accountOf(target.split(':')[0] as string) ?? null, () => run(target));
  scheduler.handle(
    SETTLE_JOB,
    asOwnerOf((id) => settlePaymentIntent(ctx, id)),
  );
  scheduler.handle(
    SETTLE_REFUND_JOB,
    asOwnerOf((id) => settleRefund(ctx, id)),
  );
  scheduler.handle(
    EXPIRE_AUTHORIZATION_JOB,
    asOwnerOf((id) => expireAuthorization(ctx, id)),
  );
  scheduler.handle(
    OPEN_DISPUTE_JOB,
    asOwnerOf((chargeId) => openDispute(ctx, chargeId)),
  );
  scheduler.handle(
    DECIDE_DISPUTE_JOB,
    asOwnerOf((target) => runDisputeDecision(ctx, target)),
  );
  events.subscribe(followAsyncPayments(ctx));

  const services = {
    db,
    clock,
    idempotency: new IdempotencyKeys(db),
    apiVersion,
    store,
    accountFor: accountResolver(accounts),
  };
  const api = new Router();
  const apiRoutes: ApiRoute[] = [
    ...accountRoutes(ctx),
    ...customerRoutes(ctx),
    ...paymentMethodRoutes(ctx),
    ...paymentIntentRoutes(ctx),
    ...captureRoutes(ctx),
    ...chargeRoutes(ctx),
    ...refundRoutes(ctx),
    ...disputeRoutes(ctx),
    ...balanceTransactionRoutes(ctx),
    ...eventRoutes(ctx),
    ...webhookEndpointRoutes(ctx),
    ...checkoutSessionRoutes(ctx),
  ];
  for (const route of apiRoutes) api.on(route.method, route.path, apiHandler(services, route));
  const admin = new Router();
  const adminRoutes: AdminRoute[] = [
    ...paymentIntentAdminRoutes(ctx),
    ...captureAdminRoutes(ctx),
    ...refundAdminRoutes(ctx),
    ...disputeAdminRoutes(ctx),
    ...checkoutAdminRoutes(ctx),
    ...clockAdminRoutes(ctx),
    ...settlementAdminRoutes(ctx),
    ...accountAdminRoutes(ctx, options.secretKey),
  ];
  for (const route of adminRoutes) admin.on(route.method, route.path, adminHandler(db, store, route));
  const requestLog = new RequestLog();
  // Answers in place of the shell's own request counts: the same counts, plus each request's account.
  admin.on('GET', '/_sandbox/requests', () => ({
    status: 200,
    body: requestLog.read(),
  }));

  const server = createSandboxHttpServer({
    api,
    admin,
    faults,
    logger,
    apiPrefix: '/v1/',
    authenticate: authenticator(options.secretKey),
    errorBody: shellErrorBody,
    reset: () =>
      db.transaction(() => {
        scheduler.clear();
        outbox.clear();
        events.clear();
        services.idempotency.clear();
        store.reset([START_SECRET_KEY]);
        accounts.clear();
        accounts.ensureForKey(options.secretKey);
        clearSettlement(ctx);
      })(),
    webhookStats: () => outbox.stats(),
  });
  // Every answer carries a Request-Id, including the shell's own (401, 404, 429, injected 500);
  // API handlers set their own, which takes precedence over this default.
  server.prependListener('request', (_request, response) => response.setHeader('request-id', newId('req')));
  server.prependListener('request', (request, response) => requestLog.observe(request, response));

  outbox.recoverInterrupted();
  outbox.start();
  scheduler.start();
  let started: StartedServer;
  try {
    started = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  } catch (error) {
    scheduler.stop();
    await outbox.stop();
    db.close();
    throw error;
  }
  baseUrl = started.url;
  logger.info('stripe sandbox listening', { url: started.url, startEndpoint: options.webhookUrl ?? null });

  let closing: Promise<void> | undefined;
  const listening = started;
  // close() is idempotent: tests and signal handlers may both call it.
  return {
    url: started.url,
    port: started.port,
    webhookSecret,
    close: () =>
      (closing ??= (async () => {
        scheduler.stop();
        await listening.close();
        await outbox.stop();
        db.close();
      })()),
  };
}
