import { Client, Connection } from '@temporalio/client';
import Stripe from 'stripe';
import { Pool } from 'undici';
import { STRIPE_API_VERSION } from '../src/stripe/client';
import { cpuMsOfProcess } from './costMeter';
import { closedLoop, openLoop, type LoadResult } from './load';
import { progress } from './progress';
import type { BenchStack } from './stack';
import { latency, round1, type Latency } from './stats';

/**
 * Webhook ingest against the raw limit of the same Temporal server. Ingest: signed
 * `payment_intent.succeeded` events, each naming its own intent and order through
 * `metadata.monstock_order_id`, so the route trusts the id and signals-with-starts the order's
 * workflow with no call to Stripe or Monstock. Limit: signal-with-start of a workflow type nobody
 * polls, straight from a client, at the same concurrency.
 */
export interface IngestSettings {
  concurrency: number;
  saturationSeconds: number;
  steadySeconds: number;
}

export interface PhaseResult extends Latency {
  eventsPerSecond: number;
  errors: number;
  seconds: number;
  offeredPerSecond?: number;
  firstError?: string;
}

export interface IngestResult {
  limit: PhaseResult;
  ingest: PhaseResult & {
    steady: PhaseResult;
    /** The ingest webhook server's CPU-ms per accepted event, saturation and steady together. */
    webhooksCpuMsPerEvent: number | null;
    /** How many connections the events were spread over (round-robin). */
    connections: number;
  };
  ratio: number;
}

function merge(runs: readonly LoadResult[]): LoadResult {
  const completed = runs.reduce((sum, run) => sum + run.completed, 0);
  const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  const firstError = runs.find((run) => run.firstError)?.firstError;
  return {
    completed,
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    seconds,
    perSecond: completed / seconds,
    latenciesMs: runs.flatMap((run) => run.latenciesMs),
    ...(firstError ? { firstError } : {}),
  };
}

const summarise = (result: LoadResult, offered?: number): PhaseResult => ({
  eventsPerSecond: round1(result.perSecond),
  ...latency(result.latenciesMs),
  errors: result.errors,
  seconds: round1(result.seconds),
  ...(offered !== undefined ? { offeredPerSecond: offered } : {}),
  ...(result.firstError ? { firstError: result.firstError } : {}),
});

export async function measureIngest(stack: BenchStack, settings: IngestSettings, label: string): Promise<IngestResult> {
  // Letters, digits and `_` only: the ids built from it must pass the webhook server's Stripe id check.
  const run = `${label}_${Date.now().toString(36)}`;
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, namespace: stack.namespace });
  const pool = new Pool(stack.ingestWebhookUrl, { connections: settings.concurrency, pipelining: 1 });
  // Events go round-robin over the stack's connections, each to its own route with its own secret.
  const connections = stack.connections;
  const stripeEvent = (index: number) => ({
    eventId: `evt_${run}_${index}`,
    type: 'payment_intent.succeeded',
    created: Math.floor(Date.now() / 1000),
    objectType: 'payment_intent' as const,
    objectId: `pi_${run}_${index}`,
    paymentIntentId: `pi_${run}_${index}`,
  });
  try {
    const limitOp = async (index: number) => {
      await client.workflow.signalWithStart('benchLimitEmptyWorkflow', {
        workflowId: `bench-limit/${run}/${index}`,
        taskQueue: 'bench-limit-unpolled',
        args: [{ connectionId: connections[index % connections.length]!.id, orderId: `limit-${run}-${index}` }],
        signal: 'stripeEvent',
        signalArgs: [stripeEvent(index)],
      });
    };
    let accepted = 0;
    const ingestOp = async (index: number) => {
      const connection = connections[index % connections.length]!;
      const intentId = `pi_${run}_${index}`;
      const payload = JSON.stringify({
        id: `evt_${run}_${index}`,
        object: 'event',
        type: 'payment_intent.succeeded',
        created: Math.floor(Date.now() / 1000),
        api_version: STRIPE_API_VERSION,
        livemode: false,
        data: {
          object: {
            id: intentId,
            object: 'payment_intent',
            amount: 1000,
            currency: 'eur',
            status: 'succeeded',
            metadata: { monstock_order_id: `bench-ingest-${run}-${index}` },
          },
        },
      });
      const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: connection.stripeWebhookSecret });
      const answer = await pool.request({
        path: connection.stripeWebhookPath,
        method: 'POST',
        body: payload,
        headers: { 'content-type': 'application/json', 'stripe-signature': header },
      });
      const body = await answer.body.text();
      if (answer.statusCode !== 200) throw new Error(`webhook answered ${answer.statusCode}: ${body.slice(0, 200)}`);
      accepted += 1;
    };
    // Warm-up: connections, the route's first calls.
    await closedLoop(4, 1_000, ingestOp, 1_000_000);
    await closedLoop(4, 1_000, limitOp, 1_000_000);
    // The ingest webhook server serves only ingest events: its CPU per accepted one is a gauge
    // steadier than the rate on a shared machine (the limit rounds do not touch it).
    const ingestCpuAtStart = cpuMsOfProcess(stack.ingestWebhooksPid);
    accepted = 0;

    // Limit and ingest alternate in rounds, so a machine whose load drifts (other processes) weighs on both alike.
    const rounds = 2;
    const slice = (settings.saturationSeconds * 1000) / rounds;
    const limitRuns: LoadResult[] = [];
    const ingestRuns: LoadResult[] = [];
    progress(
      `${label}: limit (signal-with-start from a client) and ingest (signed webhooks) at saturation, concurrency ${settings.concurrency}, ${rounds} alternating rounds of ${slice / 1000}s each`,
    );
    for (let round = 0; round < rounds; round += 1) {
      limitRuns.push(await closedLoop(settings.concurrency, slice, limitOp, round * 1_000_000 + 10_000_000));
      ingestRuns.push(await closedLoop(settings.concurrency, slice, ingestOp, round * 1_000_000 + 10_000_000));
    }
    const limit = summarise(merge(limitRuns));
    const saturation = summarise(merge(ingestRuns));
    progress(
      `${label}: limit ${limit.eventsPerSecond}/s p99 ${limit.p99Ms} ms; ingest ${saturation.eventsPerSecond}/s p50 ${saturation.p50Ms} p99 ${saturation.p99Ms} ms (errors ${saturation.errors})`,
    );
    const offered = Math.max(1, Math.round(limit.eventsPerSecond / 2));
    progress(`${label}: ingest steady at ${offered}/s (half the limit, ${settings.steadySeconds}s)`);
    const steady = summarise(await openLoop(offered, settings.steadySeconds * 1000, ingestOp, 2_000_000), offered);
    progress(
      `${label}: steady p50 ${steady.p50Ms} p95 ${steady.p95Ms} p99 ${steady.p99Ms} ms (errors ${steady.errors})`,
    );
    const ingestCpuAtEnd = cpuMsOfProcess(stack.ingestWebhooksPid);
    const webhooksCpuMsPerEvent =
      ingestCpuAtStart === undefined || ingestCpuAtEnd === undefined || accepted === 0
        ? null
        : Math.round(((ingestCpuAtEnd - ingestCpuAtStart) / accepted) * 100) / 100;
    progress(`${label}: ingest webhook server ${webhooksCpuMsPerEvent} CPU-ms per accepted event (${accepted} events)`);
    return {
      limit,
      ingest: { ...saturation, steady, webhooksCpuMsPerEvent, connections: connections.length },
      ratio: Math.round((saturation.eventsPerSecond / limit.eventsPerSecond) * 1000) / 1000,
    };
  } finally {
    await pool.close();
    await connection.close();
  }
}
