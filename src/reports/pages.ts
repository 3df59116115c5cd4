import type http from 'node:http';
import type { Client } from '@temporalio/client';
import { htmlPage, type PageAnswer } from './html';
import { isStripeTestKey, type LinkSettings } from './links';
import { loadProblems, renderProblemsBody } from './problems';
import { loadLatestReport, loadRecentReports, loadReport } from './reportStore';
import { renderReportBody } from './reportPage';
import type { WebhookHealth } from './webhookHealth';

export type PageHandler = (request: http.IncomingMessage) => Promise<PageAnswer>;

export interface ConnectorPagesOptions {
  client: Client;
  /** DATA_DIR: reports are read from DATA_DIR/reports. */
  dataDir: string;
  connectionId: string;
  namespace: string;
  /** Base URL of the Temporal Web UI, e.g. `http://127.0.0.1:${config.temporal.uiPort}`. */
  temporalUiUrl: string;
  /** Only its mode is used: a sk_test_ key links to Stripe's test dashboard. */
  stripeSecretKey: string;
  webhookHealth?: WebhookHealth;
  /** Runs charted on a report page (default 30). */
  chartRuns?: number;
}

const REPORT_PATH = /^\/reports\/([A-Za-z0-9][A-Za-z0-9_-]{0,127})(\.json)?$/;

/**
 * The read-only pages of the connector: `/reports/latest[.json]`, `/reports/<reportId>[.json]`
 * and `/problems`. `handlers()` plugs into the HTTP shell's `pages` option, which looks pages up
 * by exact path: report ids are matched by the returned object on lookup.
 */
export class ConnectorPages {
  private readonly links: LinkSettings;

  constructor(private readonly options: ConnectorPagesOptions) {
    this.links = {
      temporalUiUrl: options.temporalUiUrl,
      namespace: options.namespace,
      connectionId: options.connectionId,
      stripeTestMode: isStripeTestKey(options.stripeSecretKey),
    };
  }

  /** The handler for a path, if it is one of these pages. */
  handlerFor(pathname: string): PageHandler | undefined {
    if (pathname === '/problems') return () => this.problems();
    const match = REPORT_PATH.exec(pathname);
    if (!match) return undefined;
    const [, id, json] = match;
    return (request) => this.report(id!, json !== undefined, request);
  }

  /**
   * For the shell's `pages` option, merged with `extra` (e.g. /metrics). The shell indexes it by
   * path, so a proxy answers `/reports/<any id>` without listing the ids.
   */
  handlers(extra: Record<string, PageHandler> = {}): Record<string, PageHandler> {
    return new Proxy({ ...extra } as Record<string, PageHandler>, {
      get: (target, key) => {
        if (typeof key !== 'string') return undefined;
        if (Object.prototype.hasOwnProperty.call(target, key)) return target[key];
        return this.handlerFor(key);
      },
    });
  }

  async report(reportId: string, asJson: boolean, request: http.IncomingMessage): Promise<PageAnswer> {
    const report =
      reportId === 'latest'
        ? await loadLatestReport(this.options.dataDir)
        : await loadReport(this.options.dataDir, reportId);
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
    const recent = await loadRecentReports(this.options.dataDir, this.options.chartRuns ?? 30);
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

  async problems(): Promise<PageAnswer> {
    const problems = await loadProblems(
      this.options.client,
      this.options.connectionId,
      this.options.webhookHealth?.snapshot() ?? [],
    );
    return htmlPage(200, 'Problems', renderProblemsBody(problems, this.links));
  }
}
