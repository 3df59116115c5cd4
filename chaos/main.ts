import { CHAOS_USAGE, ChaosArgsError, parseChaosArgs } from './args';
import { NO_MERCHANT_FLOWS } from './orderPlan';
import { stderrProgress } from './progress';
import { defaultChaosOptions, runChaos } from './run';

/**
 * `npm run chaos`: a bounded chaos run against a stack of its own (see README, "Chaos").
 * Progress goes to stderr; the last stdout line is the verdict as one JSON object. Exits 1 when
 * anything was lost, duplicated, wrong or on the wrong order, or Stripe disagreed with the shop's
 * ledger, or (with --connections N) anything reached another connection's tenant or Stripe
 * account, or the orders did not converge in time; 2 on bad arguments.
 */
async function main(): Promise<number> {
  let args;
  try {
    args = parseChaosArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof ChaosArgsError) {
      process.stderr.write(`${error.message}\n${CHAOS_USAGE}\n`);
      return 2;
    }
    throw error;
  }
  const progress = stderrProgress();
  const options = defaultChaosOptions(args.orders, args.seed, progress);
  if (args.concurrency !== undefined) options.concurrency = args.concurrency;
  options.keepData = args.keepData;
  options.connections = args.connections;
  if (!args.merchantFlows) options.merchantShares = NO_MERCHANT_FLOWS;
  const report = await runChaos(options);
  progress(
    report.ok
      ? "PASS: every order matches the shop's ledger and Stripe"
      : `FAIL: lost ${report.lost}, duplicated ${report.duplicated}, wrongStatus ${report.wrongStatus}, wrongOrder ${report.wrongOrder}, ledgerMismatch ${report.ledgerMismatch}, crossed ${report.crossed}, converged ${report.convergeSeconds !== null}`,
  );
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos run failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
