import { Cleanup } from './cleanup';
import { parseTopologyArgs, TOPOLOGY_USAGE, TopologyArgsError } from './args';
import { runTopology } from './run';

/**
 * `npm run topology`: the production shape proven on this machine (see README, "Running in
 * production"). Progress goes to stderr; the last stdout line is the verdict as one JSON object.
 * Exits 1 when an order was lost, duplicated, wrong or on the wrong order, the replicas served
 * different pages, or the Stripe edge counted more than the budget; 2 on bad arguments; 130 when
 * interrupted. Every process and temp dir it started is gone when it exits, Ctrl-C included.
 */
async function main(): Promise<number> {
  let args;
  try {
    args = parseTopologyArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof TopologyArgsError) {
      process.stderr.write(`${error.message}\n${TOPOLOGY_USAGE}\n`);
      return 2;
    }
    throw error;
  }
  const startedAt = Date.now();
  const progress = (message: string): void => {
    process.stderr.write(`[topology ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)}s] ${message}\n`);
  };
  const cleanup = new Cleanup();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    progress(`${signal}: stopping every process the run started`);
    void cleanup.runAll(progress).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const report = await runTopology({ ...args, progress, cleanup });
    progress(
      report.ok
        ? 'PASS: every order matches Stripe, both replicas serve the same report and problems pages, and the connector kept within its Stripe budget'
        : `FAIL: lost ${report.lost}, duplicated ${report.duplicated}, wrongStatus ${report.wrongStatus}, wrongOrder ${report.wrongOrder}, ledgerMismatch ${report.ledgerMismatch}, reports identical ${report.reportsIdenticalOnReplicas}, Stripe ${report.stripeRequestsPerSecondMax}/s of ${report.stripeRateLimitPerSecond}/s`,
    );
    await cleanup.runAll(progress);
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return report.ok ? 0 : 1;
  } finally {
    await cleanup.runAll(progress);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`topology run failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
