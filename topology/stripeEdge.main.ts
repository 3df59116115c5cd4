import os from 'node:os';
import { z } from 'zod';
import { startStripeEdge } from './stripeEdge';

/**
 * The Stripe edge as its own process (started by topology/stack.ts), so its clock and event loop
 * are not the sandbox's nor the run's: STRIPE_EDGE_PORT to listen on, STRIPE_EDGE_UPSTREAM_PORT the
 * Stripe sandbox's port on loopback.
 */
const environment = z.object({
  STRIPE_EDGE_PORT: z.coerce.number().int().min(1).max(65_535),
  STRIPE_EDGE_UPSTREAM_PORT: z.coerce.number().int().min(1).max(65_535),
});

async function main(): Promise<void> {
  const env = environment.parse(process.env);
  try {
    // A measuring device ahead of the load it measures, as Stripe's edge is on hosts of its own;
    // only possible where the run may raise a priority, and the edge's measured delay says either way.
    os.setPriority(-10);
  } catch {
    // Not permitted: the edge runs at the default priority.
  }
  const edge = await startStripeEdge({
    port: env.STRIPE_EDGE_PORT,
    upstream: { host: '127.0.0.1', port: env.STRIPE_EDGE_UPSTREAM_PORT },
  });
  process.stdout.write(`Stripe edge listening on ${edge.url}\n`);
  const stop = (): void => void edge.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`Stripe edge failed: ${(error as Error).message}\n`);
  process.exit(1);
});
