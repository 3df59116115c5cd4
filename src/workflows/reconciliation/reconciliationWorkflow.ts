import {
  ApplicationFailure,
  continueAsNew,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ConnectorActivities, ReconcilePagesResult } from '../../activities';
import { emptyCounts, mergeByKind, mergeCounts, mergeTotals, mergeDaily } from '../../reconciliation/totals';
import { validateWindow, windowEndingAt } from '../../reconciliation/window';
import {
  isValidReportId,
  reconciliationProgressQuery,
  type ReconciliationCarried,
  type ReconciliationReport,
  type ReconciliationWorkflowInput,
} from '../../shared/reconciliation';
import { ConnectionId, TemporalScheduledStartTime } from '../../shared/searchAttributes';

/**
 * Page walks are long activities that heartbeat after every page with their cursor, so a worker
 * that dies mid-walk is noticed within a minute and the retry resumes after the last page done.
 * Retries are unlimited (an outage delays the run); a rejected key or request fails it, visibly.
 */
const walks = proxyActivities<ConnectorActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const reports = proxyActivities<ConnectorActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const DEFAULT_WINDOW_HOURS = 48;
const DEFAULT_MAX_FINDINGS = 50;
const DEFAULT_PAGES_PER_ACTIVITY = 5;
const DEFAULT_PAGE_SIZE = 100;
const HISTORY_EVENTS_BEFORE_CONTINUE = 2_000;
/**
 * Runs recorded before the failed-delivery replay and the retention check existed go straight
 * from the Monstock walk to the report; new runs look up the last good run first and replay the
 * window's failed Stripe events after the walks.
 */
const FAILED_EVENTS_PATCH = 'reconciliation-failed-events-and-retention';
/**
 * The report id keys the run's report and its parts in the connector's database (src/store), and
 * reaches URLs of the report pages. A run's own id is its run id; one carried in the input
 * (continue-as-new, or whoever started the workflow) that is not a valid report id fails the run
 * at once. Only such a run records this marker, so valid runs replay unchanged and a
 * run recorded before the check goes on (its activities refuse the id, non-retryably).
 */
const REPORT_ID_PATCH = 'reconciliation-report-id-checked';

/**
 * Proves Stripe and Monstock agree over a window: walks Stripe's payment intents created in it,
 * then Monstock's orders changed in it, compares them (src/reconciliation), hands what is
 * repairable to the order workflows and reports the rest. History holds counts, cursors and the
 * first findings only; every finding goes to the report stored in the connector's database
 * (DATABASE_URL, src/store/reports.ts) under the report id. Continues as new
 * with its cursors before the history grows large.
 */
export async function reconciliationWorkflow(input: ReconciliationWorkflowInput): Promise<ReconciliationReport> {
  const info = workflowInfo();
  const options = input.options ?? {};
  const maxFindings = options.maxFindingsInResult ?? DEFAULT_MAX_FINDINGS;
  const replayFailedEvents = options.replayFailedEvents ?? options.repair ?? true;
  const state: ReconciliationCarried = input.carried ?? {
    reportId: info.runId,
    window: input.window
      ? validateWindow(input.window)
      : windowEndingAt(scheduledTime(), input.windowHours ?? DEFAULT_WINDOW_HOURS),
    startedAt: new Date().toISOString(),
    phase: 'stripe',
    pageSeq: 0,
    counts: emptyCounts(),
    byKind: {},
    totals: {},
    firstFindings: [],
    unresolved: 0,
    run: 0,
  };
  if (!isValidReportId(state.reportId) && patched(REPORT_ID_PATCH)) {
    throw ApplicationFailure.create({
      type: 'InvalidReportId',
      message: 'the carried report id is not a valid report id (1-128 letters, digits, dashes or underscores)',
      nonRetryable: true,
    });
  }

  setHandler(reconciliationProgressQuery, () => {
    const seconds = Math.max(0.001, (new Date().getTime() - Date.parse(state.startedAt)) / 1000);
    return {
      reportId: state.reportId,
      window: state.window,
      phase: state.phase,
      pages: state.counts.pages,
      items: state.counts.items,
      findings: state.counts.findings,
      unresolved: state.unresolved,
      repairsSent: state.counts.repairsSent,
      byKind: state.byKind,
      rate: Math.round((state.counts.items / seconds) * 100) / 100,
      startedAt: state.startedAt,
      run: state.run,
      ...(state.replayedEvents !== undefined ? { replayedEvents: state.replayedEvents } : {}),
      ...(state.warnings ? { warnings: state.warnings } : {}),
    };
  });
  if (!input.carried) upsertSearchAttributes([{ key: ConnectionId, value: input.connectionId }]);
  describe();

  // Before the walks: how long since the last good run (Stripe keeps events 30 days).
  if (state.warnings === undefined && patched(FAILED_EVENTS_PATCH)) {
    const retention = await reports.checkReconciliationRetention({
      connectionId: input.connectionId,
      reportId: state.reportId,
    });
    state.warnings = retention.warnings;
    if (retention.lastGoodRunAt) state.lastGoodRunAt = retention.lastGoodRunAt;
    state.replayedEvents ??= 0;
    describe();
  }

  for (let calls = 1; state.phase === 'stripe' || state.phase === 'monstock' || state.phase === 'events'; calls += 1) {
    const phase = state.phase;
    const walk =
      phase === 'stripe'
        ? walks.reconcileStripePages
        : phase === 'monstock'
          ? walks.reconcileMonstockPages
          : walks.replayFailedStripeEvents;
    const cursor =
      phase === 'stripe' ? state.stripeCursor : phase === 'monstock' ? state.monstockCursor : state.eventsCursor;
    const result = await walk({
      connectionId: input.connectionId,
      reportId: state.reportId,
      window: state.window,
      ...(cursor ? { cursor } : {}),
      pageSeq: state.pageSeq,
      maxPages: options.pagesPerActivity ?? DEFAULT_PAGES_PER_ACTIVITY,
      pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
      keepFindings: Math.max(0, maxFindings - state.firstFindings.length),
      repair: options.repair ?? true,
      checkOrderIntents: options.checkOrderIntents ?? false,
    });
    absorb(result);
    if (phase === 'stripe') {
      if (result.cursor) state.stripeCursor = result.cursor;
    } else if (phase === 'monstock') {
      if (result.cursor) state.monstockCursor = result.cursor;
    } else if (result.cursor) state.eventsCursor = result.cursor;
    const replayed = result.replayedEvents ?? 0;
    if (replayed > 0) state.replayedEvents = (state.replayedEvents ?? 0) + replayed;
    if (result.done)
      state.phase =
        phase === 'stripe'
          ? 'monstock'
          : phase === 'monstock' && state.warnings !== undefined && replayFailedEvents && patched(FAILED_EVENTS_PATCH)
            ? 'events'
            : 'report';
    describe();
    const now = workflowInfo();
    if (
      state.phase !== 'report' &&
      (now.continueAsNewSuggested ||
        now.historyLength > HISTORY_EVENTS_BEFORE_CONTINUE ||
        (options.activityCallsPerRun !== undefined && calls >= options.activityCallsPerRun))
    ) {
      await continueAsNew<typeof reconciliationWorkflow>({ ...input, carried: { ...state, run: state.run + 1 } });
    }
  }

  const report: ReconciliationReport = {
    reportId: state.reportId,
    connectionId: input.connectionId,
    window: state.window,
    startedAt: state.startedAt,
    finishedAt: new Date().toISOString(),
    counts: state.counts,
    byKind: state.byKind,
    totals: state.totals,
    ...(state.daily ? { daily: state.daily } : {}),
    unresolved: state.unresolved,
    findings: state.firstFindings,
    findingsTruncated: state.counts.findings > state.firstFindings.length,
    ...(state.warnings !== undefined ? { replayedEvents: state.replayedEvents ?? 0, warnings: state.warnings } : {}),
    ...(state.lastGoodRunAt ? { lastGoodRunAt: state.lastGoodRunAt } : {}),
  };
  const written = await reports.writeReconciliationReport(report);
  report.reportFile = written.reportFile;
  state.phase = 'done';
  describe();
  return report;

  function absorb(result: ReconcilePagesResult): void {
    state.pageSeq = result.pageSeq;
    mergeCounts(state.counts, result.counts);
    mergeByKind(state.byKind, result.byKind);
    mergeTotals(state.totals, result.totals);
    if (result.daily) mergeDaily((state.daily ??= {}), result.daily);
    state.unresolved += result.unresolved;
    state.firstFindings.push(...result.findings.slice(0, Math.max(0, maxFindings - state.firstFindings.length)));
  }

  /** The schedule's due time (so a run caught up after an outage covers the night it was due), else the start. */
  function scheduledTime(): Date {
    const scheduled = info.typedSearchAttributes.get(TemporalScheduledStartTime);
    return scheduled ?? info.startTime;
  }

  function describe(): void {
    const { counts } = state;
    setCurrentDetails(
      `Reconciliation of ${state.window.from} .. ${state.window.to} (connection ${input.connectionId}), phase ${state.phase}. ` +
        `${counts.pages} pages, ${counts.intents} payment intents and ${counts.orders} orders compared; ` +
        `${counts.findings} findings (${state.unresolved} for a person), ${counts.repairsSent} repairs sent to order workflows` +
        `${state.replayedEvents !== undefined ? `, ${state.replayedEvents} failed Stripe deliveries replayed` : ''}. Report ${state.reportId}.` +
        (state.warnings && state.warnings.length > 0 ? `\n\nWARNING: ${state.warnings.join('\nWARNING: ')}` : ''),
    );
  }
}
