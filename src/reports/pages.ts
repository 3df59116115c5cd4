import type http from 'node:http';
import type { Client } from '@temporalio/client';
import { htmlPage, type PageAnswer } from './html';
import { isStripeTestKey, type LinkSettings } from './links';
import { loadProblems, renderProblemsBody, type Problems } from './problems';
import type { ReconciliationReport } from '../shared/reconciliation';
import type { Database } from '../store/database';
import { ReportStore, type ReportReader } from './reportStore';
import { renderReportBody } from './reportPage';
import type { WebhookHealth } from './webhookHealth';

export type PageHandler = (request: http.IncomingMessage) => Promise<PageAnswer>;

export interface ConnectorPagesOptions {
  client: Client;
  /** The connector's database, where reconciliation stores reports (shared by every replica). */
  database: Database;
  connectionId: string;
  namespace: string;
  /** Base URL of the Temporal Web UI, e.g. `http://127.0.0.1:${config.temporal.uiPort}`. */
  temporalUiUrl: string;
  /** Only its mode is used: a sk_test_ key links to Stripe's test dashboard. */
  stripeSecretKey: string;
  webhookHealth?: WebhookHealth;
  /** Runs charted on a report page (default 30). */
  chartRuns?: number;
  /** How a whole report is read (tests count the reads); the store's findReport by default. */
  readReport?: ReportReader;
  /** Each visibility scan of /problems waits this long at most (default 5 s). */
  problemsDeadlineMs?: number;
  /** A /problems answer is reused this long (default 5 s): reloads and concurrent GETs share one set of scans. */
  problemsCacheMs?: number;
}

const REPORT_PATH = /^\/reports\/([A-Za-z0-9][A-Za-z0-9_-]{0,127})(\.json)?$/;

/**
 * The read-only pages of the connector, served by the admin listener: `/reports/latest[.json]`,
 * `/reports/<reportId>[.json]` and `/problems`. Cheap to ask for: reports are read whole once
 * (ReportStore), and concurrent or repeated /problems GETs share one set of visibility scans,
 * each with a deadline.
 */
export class ConnectorPages {
  private readonly links: LinkSettings;
  private readonly store: ReportStore;
  private problemScan: { at: number; scan: Promise<Omit<Problems, 'webhooks'>> } | undefined;

  constructor(private readonly options: ConnectorPagesOptions) {
    this.links = {
      temporalUiUrl: options.temporalUiUrl,
      namespace: options.namespace,
      connectionId: options.connectionId,
      stripeTestMode: isStripeTestKey(options.stripeSecretKey),
    };
    this.store = new ReportStore(options.database, options.readReport ? { readReport: options.readReport } : {});
  }

  /** The handler for a path, if it is one of these pages. */
  handlerFor(pathname: string): PageHandler | undefined {
    if (pathname === '/problems') return () => this.problems();
    const match = REPORT_PATH.exec(pathname);
    if (!match) return undefined;
    const [, id, json] = match;
    return (request) => this.report(id!, json !== undefined, request);
  }

  async report(reportId: string, asJson: boolean, request: http.IncomingMessage): Promise<PageAnswer> {
    const report = reportId === 'latest' ? await this.store.latest() : await this.store.load(reportId);
    if (!report) {
      if (asJson)
        return {
          status: 404,
          contentType: 'application/json',
          body: JSON.stringify({ error: reportId === 'latest' ? 'no report yet' : `no report ${reportId}` }),
        };
      return htmlPage(
        404,
        'No report',
        `<h1>No report</h1><p>${reportId === 'latest' ? 'No reconciliation has written a report yet. Run <code>npm run reconcile -- --from &lt;date&gt;</code> or wait for the nightly schedule.' : 'There is no report with this id.'}</p>`,
      );
    }
    if (asJson) return { status: 200, contentType: 'application/json', body: JSON.stringify(report) };
    const url = new URL(request.url ?? '/', 'http://connector');
    const page = Number(url.searchParams.get('page') ?? '1');
    const recent = await this.store.recent(this.options.chartRuns ?? 30);
    return htmlPage(
      200,
      `Reconciliation ${report.window.from} – ${report.window.to}`,
      renderReportBody({
        report,
        recent,
        links: this.links,
        page: Number.isFinite(page) ? page : 1,
        path: url.pathname,
      }),
    );
  }

  /** The latest report, for its abandoned authentications: a database hiccup leaves that list out, not the page. */
  private async latestForProblems(): Promise<ReconciliationReport | undefined> {
    try {
      return await this.store.latest();
    } catch {
      return undefined;
    }
  }

  async problems(): Promise<PageAnswer> {
    const now = Date.now();
    if (!this.problemScan || now - this.problemScan.at >= (this.options.problemsCacheMs ?? 5_000)) {
      const scan = this.latestForProblems().then((latestReport) =>
        loadProblems(this.options.client, this.options.connectionId, [], {
          ...(this.options.problemsDeadlineMs !== undefined ? { deadlineMs: this.options.problemsDeadlineMs } : {}),
          ...(latestReport ? { latestReport } : {}),
        }),
      );
      this.problemScan = { at: now, scan };
      // A failed scan is not kept: the next GET tries again.
      scan.catch(() => {
        if (this.problemScan?.scan === scan) this.problemScan = undefined;
      });
    }
    const { scan } = this.problemScan;
    const scanned = await scan;
    // A section Temporal could not answer in time is not reused: the next GET scans again.
    if (scanned.sections.some((section) => section.unreadable) && this.problemScan?.scan === scan)
      this.problemScan = undefined;
    const problems: Problems = { ...scanned, webhooks: (await this.options.webhookHealth?.sharedSnapshot()) ?? [] };
    return htmlPage(200, 'Problems', renderProblemsBody(problems, this.links));
  }
}
