import { WorkflowNotFoundError, Client, Connection } from '@temporalio/client';
import { request } from 'undici';
import { z } from 'zod';
import { loadConfig } from '../src/config';
import { ConnectionService } from '../src/connections/service';
import { createLogger } from '../src/observability/logger';
import { customerSyncWorkflowId, orderFeedWorkflowId } from '../src/shared/ids';
import { openDatabase } from '../src/store/database';
import { loadManagedSecret } from '../src/store/managedSecrets';
import { progress } from './progress';

/**
 * The connections a bench stack spreads its load over: `default` (the environment's) and, with
 * `--connections N`, N-1 registered at runtime as a merchant would be: its own Monstock tenant
 * (webhooks to `/webhooks/monstock/<id>`), its own `sk_test_` key (a Stripe account of its own in
 * the sandbox) with the managed endpoint on `/webhooks/stripe/<id>` that `add` registers.
 */
export interface BenchConnection {
  id: string;
  /** The Monstock sandbox tenant; undefined for the default tenant. */
  tenantId: string | undefined;
  stripeKey: string;
  /** The secret the connection's Stripe endpoint signs with (the webhook servers verify with it). */
  stripeWebhookSecret: string;
  /** The webhook server's route for this connection's Stripe events. */
  stripeWebhookPath: string;
}

/** What registration needs of the stack (a subset of BenchStack, so this file does not import stack.ts). */
export interface RegistrationTarget {
  env: NodeJS.ProcessEnv;
  temporalAddress: string;
  namespace: string;
  monstockUrl: string;
  webhookUrl: string;
}

export function defaultBenchConnection(env: NodeJS.ProcessEnv): BenchConnection {
  return {
    id: env.CONNECTION_ID ?? 'default',
    tenantId: undefined,
    stripeKey: env.STRIPE_SECRET_KEY!,
    stripeWebhookSecret: env.STRIPE_WEBHOOK_SECRET!.split(',')[0]!,
    stripeWebhookPath: '/webhooks/stripe',
  };
}

const tenantSchema = z.object({
  tenantId: z.string().min(1),
  token: z.string().min(1),
  webhookSecret: z.string().min(1),
});

async function createTenant(monstockUrl: string, webhookUrl: string): Promise<z.infer<typeof tenantSchema>> {
  const answer = await request(`${monstockUrl}/_sandbox/tenants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ webhookUrl }),
  });
  const body: unknown = await answer.body.json();
  if (answer.statusCode !== 201) throw new Error(`POST /_sandbox/tenants answered ${answer.statusCode}`);
  return tenantSchema.parse(body);
}

/** Bench connection ids: short, sortable, valid connection ids. */
export const benchConnectionId = (index: number): string => `bench-${String(index).padStart(3, '0')}`;

/**
 * Registers `extra` connections through the ConnectionService (what `npm run connections -- add`
 * and POST /connections run), then waits until the worker's keeper has started each one's order
 * feed and customer sync, so their start-up is not measured as load.
 */
export async function registerBenchConnections(target: RegistrationTarget, extra: number): Promise<BenchConnection[]> {
  if (extra <= 0) return [];
  const started = Date.now();
  // PUBLIC_WEBHOOK_URL here only: `add` then registers each connection's managed Stripe endpoint.
  const config = loadConfig({ ...target.env, PUBLIC_WEBHOOK_URL: target.webhookUrl });
  const logger = createLogger({ name: 'bench-connections', level: 'warn' });
  const database = await openDatabase(target.env.DATABASE_URL!);
  const added: BenchConnection[] = [];
  try {
    const service = new ConnectionService({ database, config, logger });
    for (let index = 1; index <= extra; index += 1) {
      const id = benchConnectionId(index);
      const tenant = await createTenant(target.monstockUrl, `${target.webhookUrl}/webhooks/monstock/${id}`);
      const stripeKey = `sk_test_bench_${id.replace(/-/g, '_')}_${started.toString(36)}`;
      const view = await service.add({
        id,
        monstockUrl: target.env.MONSTOCK_API_URL,
        monstockToken: tenant.token,
        monstockWebhookSecret: tenant.webhookSecret,
        stripeKey,
      });
      if (!view.stripeEndpoint.registered)
        throw new Error(`connection ${id}: no Stripe endpoint (${view.stripeEndpoint.reason})`);
      const managed = await loadManagedSecret(database, config.temporal.encryptionKeys, id);
      if (!managed) throw new Error(`connection ${id}: its managed Stripe secret is not stored`);
      added.push({
        id,
        tenantId: tenant.tenantId,
        stripeKey,
        stripeWebhookSecret: managed.secret,
        stripeWebhookPath: `/webhooks/stripe/${id}`,
      });
      if (index % 20 === 0) progress(`connections: ${index} of ${extra} registered`);
    }
  } finally {
    await database.end();
  }
  progress(`connections: ${extra} registered in ${Math.round((Date.now() - started) / 100) / 10} s`);
  await waitForConnectionWork(target, added, 300_000);
  progress(
    `connections: every connection's work running ${Math.round((Date.now() - started) / 100) / 10} s after the first add`,
  );
  return added;
}

/** Until every connection's order feed and customer sync exist (started by the worker's ConnectionWorkKeeper). */
async function waitForConnectionWork(
  target: RegistrationTarget,
  connections: readonly BenchConnection[],
  timeoutMs: number,
): Promise<void> {
  const connection = await Connection.connect({ address: target.temporalAddress });
  const client = new Client({ connection, namespace: target.namespace });
  const deadline = Date.now() + timeoutMs;
  const exists = async (workflowId: string) => {
    try {
      await client.workflow.getHandle(workflowId).describe();
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  };
  try {
    let waiting = [...connections];
    while (waiting.length > 0) {
      const still: BenchConnection[] = [];
      for (const each of waiting)
        if (!(await exists(orderFeedWorkflowId(each.id))) || !(await exists(customerSyncWorkflowId(each.id))))
          still.push(each);
      waiting = still;
      if (waiting.length === 0) return;
      if (Date.now() > deadline)
        throw new Error(`${waiting.length} connections' work not started within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  } finally {
    await connection.close();
  }
}
