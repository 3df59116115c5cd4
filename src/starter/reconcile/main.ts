import { reconciliationWorkflowId } from '../../shared/ids';
import { adminUrl } from '../admin/adminUrl';
import {
  RECONCILIATION_WORKFLOW_TYPE,
  reconciliationProgressQuery,
  type ReconciliationReport,
  type ReconciliationWorkflowInput,
} from '../../shared/reconciliation';
import { connectClient } from '../../temporal/connection';
import { loadCliConfig } from '../cliConfig';
import { ArgsError, parseReconcileArgs, USAGE } from './args';
import { progressLine } from './progressLine';

/**
 * `npm run reconcile -- --from <ISO> --to <ISO> [--json]`: reconciles any range now (a backfill is
 * the same from a start date), showing a live progress bar from the workflow's query. Exits 1 when
 * findings remain for a person, 2 on bad arguments or configuration; with --json the last line
 * printed is the report as one JSON object.
 */
async function main(): Promise<number> {
  let args;
  try {
    args = parseReconcileArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof ArgsError) {
      process.stderr.write(`${error.message}\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  const config = loadCliConfig();
  if (!config) return 2;
  const client = await connectClient(config);
  const input: ReconciliationWorkflowInput = {
    connectionId: config.connectionId,
    window: { from: args.from, to: args.to },
    options: { repair: args.repair, checkOrderIntents: config.orders.createPaymentIntents },
  };
  const workflowId = reconciliationWorkflowId(config.connectionId, `cli-${args.from}-${args.to}-${Date.now()}`);
  const handle = await client.workflow.start(RECONCILIATION_WORKFLOW_TYPE, {
    workflowId,
    taskQueue: config.temporal.taskQueue,
    args: [input],
    staticSummary: `Reconciliation ${args.from} → ${args.to} (from the CLI)`,
  });
  const started = Date.now();
  const tty = process.stderr.isTTY === true;
  let lastPrinted = 0;
  const poll = setInterval(() => {
    handle
      .query(reconciliationProgressQuery)
      .then((progress) => {
        const line = progressLine(progress, Date.now() - started);
        if (tty) process.stderr.write(`\r${line}`);
        else if (Date.now() - lastPrinted >= 2000) {
          process.stderr.write(`${line}\n`);
          lastPrinted = Date.now();
        }
      })
      .catch(() => undefined);
  }, 250);
  let report: ReconciliationReport;
  try {
    report = (await handle.result()) as ReconciliationReport;
  } finally {
    clearInterval(poll);
    if (tty) process.stderr.write('\n');
  }
  // The report pages are on the admin listener (ADMIN_HOST:ADMIN_PORT, behind ADMIN_TOKEN).
  const pagesBase = adminUrl(config.admin.host, config.admin.port);
  process.stdout.write(summary(report, workflowId, config.temporal.uiPort, config.temporal.namespace, pagesBase));
  if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  await client.connection.close();
  return report.unresolved > 0 ? 1 : 0;
}

function summary(
  report: ReconciliationReport,
  workflowId: string,
  uiPort: number,
  namespace: string,
  pagesBase: string,
): string {
  const lines = [
    `Reconciliation ${report.window.from} → ${report.window.to}: ${report.counts.items} items compared, ${report.counts.findings} findings, ${report.counts.repairsSent} repairs sent, ${report.unresolved} left for a person.`,
  ];
  for (const [currency, totals] of Object.entries(report.totals)) {
    lines.push(
      `  ${currency}: Stripe collected ${totals.stripeCollected}, Monstock recorded ${totals.monstockRecorded}, refunded ${totals.refunded}, disputed ${totals.disputed}, difference ${totals.difference} (minor units)`,
    );
  }
  for (const [kind, count] of Object.entries(report.byKind)) lines.push(`  ${kind}: ${count}`);
  for (const warning of report.warnings ?? []) lines.push(`  WARNING: ${warning}`);
  lines.push(`Report page: ${pagesBase.replace(/\/$/, '')}/reports/${report.reportId}`);
  if (report.reportFile) lines.push(`Full report: ${report.reportFile}`);
  lines.push(`Web UI: http://127.0.0.1:${uiPort}/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}`);
  return `${lines.join('\n')}\n`;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`reconcile failed: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
