import type Stripe from 'stripe';
import type { ConnectorConfig } from '../config';
import type { Logger } from '../observability/logger';
import {
  ensureStripeWebhookEndpoint,
  listManagedEndpoints,
  managedEndpointSpec,
} from '../starter/stripe/webhookEndpoint';
import { ensureConnectWebhookEndpoint } from '../starter/stripe/connectEndpoint';
import { createStripeClient } from '../stripe/client';
import {
  insertConnection,
  markConnectionRemoved,
  readLiveConnection,
  replaceConnection,
  setConnectionStatus,
  type ConnectionRowInput,
  type StoredConnection,
} from '../store/connections';
import type { Database } from '../store/database';
import { deleteManagedSecret } from '../store/managedSecrets';
import { connectionCredentialProblems } from './checks';
import { publicView, type ConnectionView } from './publicView';
import { ConnectionRegistry } from './registry';
import { resolveStoredConnection, type ResolvedConnection } from './resolve';
import {
  connectionChangesSchema,
  connectionIdSchema,
  describeIssues,
  newConnectionSchema,
  type ConnectionChanges,
} from './schema';
import { describeWork, WORK_STOPPED } from './work';

/**
 * The operations behind `npm run connections` and the admin API's /connections, in one place so
 * both check and answer alike. Input arrives unparsed and is validated here (zod); answers are
 * ConnectionViews, which hold no secret.
 */
export type ConnectionErrorKind = 'bad_input' | 'not_found' | 'conflict';

export class ConnectionError extends Error {
  constructor(
    readonly kind: ConnectionErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectionError';
  }
}

export interface ConnectionServiceOptions {
  database: Database;
  config: ConnectorConfig;
  logger: Logger;
  /** How to reach Stripe with a connection's key (tests point it at the sandbox through config). */
  stripeFor?: (secretKey: string) => Stripe;
}

/** What `add` and `update` did about the connection's managed Stripe webhook endpoint. */
export type StripeEndpointOutcome =
  { registered: true; action: string; endpointId: string } | { registered: false; reason: string };

export class ConnectionService {
  readonly registry: ConnectionRegistry;
  private readonly stripeFor: (secretKey: string) => Stripe;

  constructor(private readonly options: ConnectionServiceOptions) {
    this.registry = new ConnectionRegistry({ database: options.database, config: options.config });
    this.stripeFor =
      options.stripeFor ??
      ((secretKey) => createStripeClient({ secretKey, apiUrl: options.config.stripe.apiUrl, maxNetworkRetries: 1 }));
  }

  async list(): Promise<ConnectionView[]> {
    await this.registry.refresh();
    return (await this.registry.listConnections()).map((connection) => this.view(connection));
  }

  async show(rawId: unknown): Promise<ConnectionView> {
    const id = parseId(rawId);
    await this.registry.refresh();
    const connection = await this.registry.getConnection(id);
    if (!connection) throw new ConnectionError('not_found', `no connection ${id}`);
    return this.view(connection);
  }

  async add(raw: unknown): Promise<ConnectionView & { stripeEndpoint: StripeEndpointOutcome }> {
    const parsed = newConnectionSchema.safeParse(raw);
    if (!parsed.success) throw new ConnectionError('bad_input', describeIssues(parsed.error));
    const input = parsed.data;
    if (input.id === this.options.config.connectionId)
      throw new ConnectionError('bad_input', `${input.id} is the connection the environment variables configure`);
    this.refuseCredentials(input);
    const { database, config } = this.options;
    // Checked before Stripe is touched: registering an endpoint replaces the stored secret of that id.
    if (await readLiveConnection(database, config.temporal.encryptionKeys, input.id))
      throw new ConnectionError('conflict', `connection ${input.id} already exists: use update to change it`);
    const stripeEndpoint = await this.registerStripeEndpoint(input.id, input.stripeKey);
    const stored = await insertConnection(database, config.temporal.encryptionKeys, {
      id: input.id,
      monstockUrl: input.monstockUrl,
      stripeAccount: input.stripeAccount,
      settings: input.settings,
      secrets: {
        monstockToken: input.monstockToken,
        monstockWebhookSecret: input.monstockWebhookSecret,
        ...(input.stripeKey ? { stripeKey: input.stripeKey } : {}),
      },
    });
    if (!stored)
      throw new ConnectionError('conflict', `connection ${input.id} already exists: use update to change it`);
    this.options.logger.info('connection added', { connectionId: input.id, version: stored.version });
    await this.registry.refresh();
    return { ...this.view(resolveStoredConnection(config, stored)), stripeEndpoint };
  }

  async update(rawId: unknown, raw: unknown): Promise<ConnectionView & { stripeEndpoint: StripeEndpointOutcome }> {
    const id = parseId(rawId);
    const parsed = connectionChangesSchema.safeParse(raw);
    if (!parsed.success) throw new ConnectionError('bad_input', describeIssues(parsed.error));
    const changes = parsed.data;
    this.refuseCredentials(changes);
    const current = await this.storedOrThrow(id);
    const next = merged(current, changes);
    const keyChanged = changes.stripeKey !== undefined || changes.stripeAccount !== undefined;
    const oldKey = current.secrets?.stripeKey;
    const stripeEndpoint: StripeEndpointOutcome =
      keyChanged && next.secrets.stripeKey !== oldKey
        ? await this.registerStripeEndpoint(id, next.secrets.stripeKey)
        : { registered: false, reason: 'the Stripe key did not change' };
    const stored = await replaceConnection(
      this.options.database,
      this.options.config.temporal.encryptionKeys,
      next,
      current.version,
    );
    if (!stored) throw new ConnectionError('conflict', `connection ${id} changed meanwhile: read it again and retry`);
    // The endpoint under the old key would deliver nothing anyone verifies any more.
    if (keyChanged && oldKey && oldKey !== next.secrets.stripeKey) await this.dropStripeEndpoints(id, oldKey, false);
    this.options.logger.info('connection updated', { connectionId: id, version: stored.version });
    await this.registry.refresh();
    return { ...this.view(resolveStoredConnection(this.options.config, stored)), stripeEndpoint };
  }

  async setStatus(rawId: unknown, status: 'active' | 'paused'): Promise<ConnectionView> {
    const id = parseId(rawId);
    this.refuseEnvironment(id, status === 'paused' ? 'paused' : 'resumed');
    const stored = await setConnectionStatus(
      this.options.database,
      this.options.config.temporal.encryptionKeys,
      id,
      status,
    );
    if (!stored) throw new ConnectionError('not_found', `no connection ${id}`);
    this.options.logger.info(status === 'paused' ? 'connection paused' : 'connection resumed', { connectionId: id });
    await this.registry.refresh();
    return this.view(resolveStoredConnection(this.options.config, stored));
  }

  async remove(rawId: unknown): Promise<{ id: string; removed: true; stripeEndpointsDeleted: number; work: string }> {
    const id = parseId(rawId);
    const current = await this.storedOrThrow(id);
    const deleted = current.secrets?.stripeKey
      ? await this.dropStripeEndpoints(id, current.secrets.stripeKey, true)
      : 0;
    await deleteManagedSecret(this.options.database, id);
    const removed = await markConnectionRemoved(this.options.database, this.options.config.temporal.encryptionKeys, id);
    if (!removed) throw new ConnectionError('not_found', `no connection ${id}`);
    this.options.logger.info('connection removed', { connectionId: id });
    await this.registry.refresh();
    // The workers see the connection gone and stop its work and open workflows (workKeeper.ts).
    return { id, removed: true, stripeEndpointsDeleted: deleted, work: WORK_STOPPED };
  }

  private view(connection: ResolvedConnection): ConnectionView {
    return publicView(this.options.config, connection, describeWork(connection));
  }

  private async storedOrThrow(id: string): Promise<StoredConnection> {
    this.refuseEnvironment(id, 'changed here');
    const stored = await readLiveConnection(this.options.database, this.options.config.temporal.encryptionKeys, id);
    if (!stored) throw new ConnectionError('not_found', `no connection ${id}`);
    return stored;
  }

  private refuseEnvironment(id: string, what: string): void {
    if (id === this.options.config.connectionId)
      throw new ConnectionError(
        'bad_input',
        `${id} is the connection the environment variables configure: it cannot be ${what}; change its environment instead`,
      );
  }

  private refuseCredentials(input: Parameters<typeof connectionCredentialProblems>[1]): void {
    const problems = connectionCredentialProblems(this.options.config, input);
    if (problems.length > 0) throw new ConnectionError('bad_input', problems.join('; '));
  }

  /**
   * PUBLIC_WEBHOOK_URL set: a connection with a key of its own gets its managed endpoint, as setup
   * makes it; a connected account, the platform's Connect endpoint (shared by all of them).
   */
  private async registerStripeEndpoint(id: string, stripeKey: string | undefined): Promise<StripeEndpointOutcome> {
    const publicUrl = this.options.config.webhookServer.publicUrl;
    if (!publicUrl) return { registered: false, reason: 'PUBLIC_WEBHOOK_URL is not set' };
    if (!stripeKey) {
      // A connected account's events arrive on the platform's one Connect endpoint: made once, then unchanged.
      const result = await ensureConnectWebhookEndpoint({
        platformStripe: this.stripeFor(this.options.config.stripe.secretKey),
        publicUrl,
        database: this.options.database,
        encryptionKeys: this.options.config.temporal.encryptionKeys,
        logger: this.options.logger,
      });
      return { registered: true, action: result.action, endpointId: result.endpointId };
    }
    const spec = { ...managedEndpointSpec({ publicUrl, connectionId: id }) };
    // Always the connection's own path, even for an id that is the environment's elsewhere.
    spec.url = `${publicUrl.replace(/\/+$/, '')}/webhooks/stripe/${id}`;
    const result = await ensureStripeWebhookEndpoint({
      stripe: this.stripeFor(stripeKey),
      spec,
      database: this.options.database,
      encryptionKeys: this.options.config.temporal.encryptionKeys,
      logger: this.options.logger,
    });
    return { registered: true, action: result.action, endpointId: result.endpointId };
  }

  /** The connection's managed endpoints under `stripeKey`; on removal a Stripe outage must not keep the row. */
  private async dropStripeEndpoints(id: string, stripeKey: string, bestEffort: boolean): Promise<number> {
    try {
      const stripe = this.stripeFor(stripeKey);
      const endpoints = await listManagedEndpoints(stripe, id);
      for (const endpoint of endpoints) await stripe.webhookEndpoints.del(endpoint.id);
      return endpoints.length;
    } catch (error) {
      if (!bestEffort) throw error;
      this.options.logger.warn('could not delete the connection’s Stripe webhook endpoints; delete them by hand', {
        connectionId: id,
        error,
      });
      return 0;
    }
  }
}

function parseId(raw: unknown): string {
  const parsed = connectionIdSchema.safeParse(raw);
  if (!parsed.success) throw new ConnectionError('bad_input', describeIssues(parsed.error));
  return parsed.data;
}

/** The stored connection with `changes` applied; a key replaces an account and the reverse. */
function merged(current: StoredConnection, changes: ConnectionChanges): ConnectionRowInput {
  const secrets = current.secrets!;
  const stripeKey = changes.stripeAccount !== undefined ? undefined : (changes.stripeKey ?? secrets.stripeKey);
  return {
    id: current.id,
    monstockUrl: changes.monstockUrl ?? current.monstockUrl,
    stripeAccount: changes.stripeKey !== undefined ? undefined : (changes.stripeAccount ?? current.stripeAccount),
    settings: changes.settings ? { ...current.settings, ...changes.settings } : current.settings,
    secrets: {
      monstockToken: changes.monstockToken ?? secrets.monstockToken,
      monstockWebhookSecret: changes.monstockWebhookSecret ?? secrets.monstockWebhookSecret,
      ...(stripeKey ? { stripeKey } : {}),
    },
  };
}
