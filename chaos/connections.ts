import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type Stripe from 'stripe';
import { request } from 'undici';
import { z } from 'zod';
import { MonstockClient } from '../src/monstock/client';
import { createStripeClient } from '../src/stripe/client';
import { PROJECT_ROOT } from './childProcess';
import type { Progress } from './progress';
import type { ChaosStack } from './stack';

/**
 * The merchants one chaos run serves: `default` (the environment's connection) and, with
 * `--connections N`, N-1 more added while the stack runs, as an operator would: each gets a
 * Monstock tenant of its own and is registered with `npm run connections -- add ... --json`. The
 * second has a Stripe key of its own, the third is a Connect account under the platform key, and
 * so on alternately. Each comes back with the shop's clients for it: its tenant's token, and its
 * Stripe account (its key, or the platform key acting as the connected account).
 */
export interface ChaosConnection {
  id: string;
  stripeKind: 'environment' | 'key' | 'connected';
  monstock: MonstockClient;
  stripe: Stripe;
}

export function environmentConnection(stack: ChaosStack): ChaosConnection {
  return { id: 'default', stripeKind: 'environment', monstock: stack.monstock, stripe: stack.stripe };
}

const tenantSchema = z.object({
  tenantId: z.string().min(1),
  token: z.string().min(1),
  webhookSecret: z.string().min(1),
});
/** What `connections add --json` prints that the run relies on (it prints no secret). */
const addedSchema = z.object({ id: z.string(), webhooks: z.object({ monstock: z.string(), stripe: z.string() }) });
const removedSchema = z.object({ id: z.string(), removed: z.literal(true) });

/** Ids unique to the run: a database the tests share keeps the connections of earlier runs (removed or not). */
export function chaosConnectionId(stamp: string, position: number): string {
  return `chaos-${stamp}-${position}`;
}

/** Connections 2..count, each pushed onto `into` once added (so a failure half-way still leaves them to remove). */
export async function addChaosConnections(
  stack: ChaosStack,
  count: number,
  progress: Progress,
  into: ChaosConnection[],
): Promise<void> {
  const env = stack.env();
  const publicUrl = env.PUBLIC_WEBHOOK_URL!;
  const platformKey = env.STRIPE_SECRET_KEY!;
  const stamp = Date.now().toString(36);
  for (let position = 2; position <= count; position += 1) {
    const id = chaosConnectionId(stamp, position);
    const monstockWebhookUrl = `${publicUrl}/webhooks/monstock/${id}`;
    const tenant = tenantSchema.parse(
      await postJson(`${stack.monstockSandbox.url}/_sandbox/tenants`, { webhookUrl: monstockWebhookUrl }),
    );
    const connected = position % 2 === 1;
    let stripeFlag: string[];
    let stripe: Stripe;
    if (connected) {
      // `connections add` of the first connected account makes the platform's Connect endpoint itself.
      const account = await stack.stripe.accounts.create({ type: 'express', country: 'FR', default_currency: 'eur' });
      stripeFlag = ['--stripe-account', account.id];
      stripe = createStripeClient({
        secretKey: platformKey,
        apiUrl: stack.stripeSandbox.url,
        maxNetworkRetries: 3,
        stripeAccount: account.id,
      });
    } else {
      const key = `sk_test_chaos_${randomBytes(12).toString('hex')}_${position}`;
      stripeFlag = ['--stripe-key', key];
      stripe = createStripeClient({ secretKey: key, apiUrl: stack.stripeSandbox.url, maxNetworkRetries: 3 });
    }
    const answer = addedSchema.parse(
      JSON.parse(
        await connectionsCli(
          [
            'add',
            '--id',
            id,
            '--monstock-url',
            stack.monstockSandbox.apiUrl,
            '--monstock-token',
            tenant.token,
            '--monstock-webhook-secret',
            tenant.webhookSecret,
            ...stripeFlag,
            // As the environment's connection: the shop pays with intents of its own.
            '--create-payment-intents',
            'false',
            '--json',
          ],
          env,
        ),
      ),
    );
    if (answer.webhooks.monstock !== monstockWebhookUrl)
      throw new Error(
        `connection ${id}: Monstock webhooks expected at ${answer.webhooks.monstock}, not ${monstockWebhookUrl}`,
      );
    progress(
      `connection ${id} added (${connected ? 'Connect account under the platform key' : 'Stripe key of its own'}, Monstock tenant ${tenant.tenantId}); Stripe webhooks at ${answer.webhooks.stripe}`,
    );
    into.push({
      id,
      stripeKind: connected ? 'connected' : 'key',
      monstock: new MonstockClient({
        apiUrl: stack.monstockSandbox.apiUrl,
        apiToken: tenant.token,
        requestTimeoutMs: 15_000,
      }),
      stripe,
    });
  }
}

/** `connections remove`: a database shared between runs must not keep serving a stack that is gone. */
export async function removeChaosConnections(
  stack: ChaosStack,
  connections: readonly ChaosConnection[],
): Promise<void> {
  for (const connection of connections) {
    if (connection.stripeKind === 'environment') continue;
    removedSchema.parse(JSON.parse(await connectionsCli(['remove', '--id', connection.id, '--json'], stack.env())));
    await connection.monstock.close();
  }
}

async function connectionsCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/starter/connections/main.ts'), ...args],
    { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-3000)));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  // Only the command word: the arguments carry the tenant's token and webhook secret.
  if (code !== 0) throw new Error(`npm run connections -- ${args[0]} exited ${code}: ${stderr.trim().slice(-1000)}`);
  return stdout;
}

async function postJson(url: string, body: unknown): Promise<unknown> {
  const answer = await request(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  const text = await answer.body.text();
  if (answer.statusCode >= 300) throw new Error(`POST ${url} answered ${answer.statusCode}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
}
