import type http from 'node:http';
import type { Client } from '@temporalio/client';
import { escapeHtml, htmlPage, type PageAnswer } from './html';
import { connectionIdSchema } from '../connections/schema';
import type { ResolvedConnection } from '../connections/resolve';
import { connectionQuery, isStripeTestKey, workflowsQueryUrl, type LinkSettings } from './links';
import { connectionPagesBase, renderConnectionOverview, type ConnectionOverviewRow } from './overview';
import { loadProblems, renderProblemsBody, type Problems } from './problems';
import type { ReconciliationReport } from '../shared/reconciliation';
import type { Database } from '../store/database';
import { latestReportPerConnection } from '../store/reports';
import { ReportStore, type ReportReader } from './reportStore';
import { renderReportBody } from './reportPage';
import type { WebhookHealth, WebhookSourceHealth } from './webhookHealth';

/** What the pages read of a connection: never its secrets, only the key's mode and the Connect account. */
export type PageConnection = Pick<ResolvedConnection, 'id' | 'status'> & {
  stripe: Pick<ResolvedConnection['stripe'], 'secretKey' | 'account'>;
};

export interface PageConnections {
  getConnection(id: string): Promise<PageConnection | undefined>;
  listConnections(): Promise<PageConnection[]>;
}

export type PageHandler = (request: http.IncomingMessage) => Promise<PageAnswer>;

export interface ConnectorPagesOptions {
  client: Client;
  /** The connector's database, where reconciliation stores reports (shared by every replica). */
  database: Database;
  /** The environment's connection (`default`): what `/reports/...` and `/problems` are about. */
  connectionId: string;
  /**
   * Which connections exist (the ConnectionRegistry): `/connections/<id>/...` serves any of them,
   * and /problems gets an overview when there are several. Unset: the environment's connection only.
   */
  connections?: PageConnections;
  namespace: string;
  /** Base URL of the Temporal Web UI, e.g. `http://127.0.0.1:${config.temporal.uiPort}`. */
  temporalUiUrl: string;
  /** The environment connection's key; only its mode is used: a sk_test_ key links to Stripe's test dashboard. */
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

const REPORT_ID = '([A-Za-z0-9][A-Za-z0-9_-]{0,127})';
const REPORT_PATH = new RegExp(`^/reports/${REPORT_ID}(\\.json)?$`);
// One path segment for the id: checked with the connection id schema when the page is asked for.
const CONNECTION_REPORT_PATH = new RegExp(`^/connections/([^/]+)/reports/${REPORT_ID}(\\.json)?$`);
const CONNECTION_PROBLEMS_PATH = /^\/connections\/([^/]+)\/problems$/;

/** Problem scans kept at most (each lives problemsCacheMs): one per connection asked for lately. */
const MAX_CACHED_SCANS = 64;

/** The connection a page is about, and where its pages live (`''`: the environment's own paths). */
export interface PageScope {
  connection: PageConnection;
  pagesBase: string;
}

type ProblemScan = Omit<Problems, 'webhooks'>;

/**
 * The read-only pages of the connector, served by the admin listener: `/reports/latest[.json]`,
 * `/reports/<reportId>[.json]` and `/problems` for the environment's connection, and the same
 * under `/connections/<id>/` for every connection the registry knows. Each page shows only its
 * connection's reports and workflows: a report of another connection is not found there.
 *
 * Cheap to ask for: reports are read whole once (ReportStore), and concurrent or repeated
 * /problems GETs of a connection share one set of visibility scans, each with a deadline.
 */
export class ConnectorPages {
  private readonly store: ReportStore;
  private readonly problemScans = new Map<string, { at: number; scan: Promise<ProblemScan> }>();

  constructor(private readonly options: ConnectorPagesOptions) {
    this.store = new ReportStore(options.database, options.readReport ? { readReport: options.readReport } : {});
  }

  /** The handler for a path, if it is one of these pages. */
  handlerFor(pathname: string): PageHandler | undefined {
    if (pathname === '/problems') return () => this.problems(this.environmentScope(), true);
    const own = REPORT_PATH.exec(pathname);
    if (own) return (request) => this.report(own[1]!, own[2] !== undefined, request, this.environmentScope());
    const problems = CONNECTION_PROBLEMS_PATH.exec(pathname);
    if (problems)
      return async () => {
        const scope = await this.connectionScope(problems[1]!);
        return scope ? this.problems(scope, false) : unknownConnection(false);
      };
    const report = CONNECTION_REPORT_PATH.exec(pathname);
    if (report)
      return async (request) => {
        const asJson = report[3] !== undefined;
        const scope = await this.connectionScope(report[1]!);
        return scope ? this.report(report[2]!, asJson, request, scope) : unknownConnection(asJson);
      };
    return undefined;
  }

  async report(
    reportId: string,
    asJson: boolean,
    request: http.IncomingMessage,
    scope: PageScope = this.environmentScope(),
  ): Promise<PageAnswer> {
    const connectionId = scope.connection.id;
    const report =
      reportId === 'latest' ? await this.store.latest(connectionId) : await this.store.load(reportId, connectionId);
    if (!report) return this.noReport(reportId, asJson, scope);
    if (asJson) return { status: 200, contentType: 'application/json', body: JSON.stringify(report) };
    const url = new URL(request.url ?? '/', 'http://connector');
    const page = Number(url.searchParams.get('page') ?? '1');
    const recent = await this.store.recent(connectionId, this.options.chartRuns ?? 30);
    return htmlPage(
      200,
      `Reconciliation ${report.window.from} – ${report.window.to}`,
      renderReportBody({
        report,
        recent,
        links: this.linksOf(scope),
        page: Number.isFinite(page) ? page : 1,
        path: url.pathname,
      }),
      scope.pagesBase,
    );
  }

  async problems(scope: PageScope = this.environmentScope(), withOverview = true): Promise<PageAnswer> {
    const connectionId = scope.connection.id;
    const [scanned, overview, webhooks] = await Promise.all([
      this.problemScan(connectionId),
      withOverview ? this.overview() : Promise.resolve(''),
      this.options.webhookHealth?.sharedSnapshot() ?? Promise.resolve([]),
    ]);
    const links = this.linksOf(scope);
    const problems: Problems = {
      ...scanned,
      webhooks: ownNotedEvents(webhooks, connectionId, this.isEnvironment(connectionId)),
    };
    const title = `<p id="connection">Connection <code id="connection-id">${escapeHtml(connectionId)}</code>${scope.connection.status === 'paused' ? ' <strong class="bad">(paused)</strong>' : ''}: <a class="query" href="${escapeHtml(workflowsQueryUrl(links, connectionQuery(connectionId)))}">its workflows in the Temporal Web UI</a>.${scope.pagesBase ? ' The webhook totals below count every connection; this one&#39;s are on <code>/metrics</code> (label <code>connection</code>).' : ''}</p>`;
    return htmlPage(200, 'Problems', `${overview}${title}\n${renderProblemsBody(problems, links)}`, scope.pagesBase);
  }

  private async noReport(reportId: string, asJson: boolean, scope: PageScope): Promise<PageAnswer> {
    const latest = reportId === 'latest';
    // Say where another connection's report lives (the admin listener is authenticated: only operators ask).
    const owner = latest ? undefined : await this.store.connectionOf(reportId);
    const elsewhere = owner !== undefined && owner !== scope.connection.id ? owner : undefined;
    if (asJson)
      return {
        status: 404,
        contentType: 'application/json',
        body: JSON.stringify({
          error: latest
            ? `no report yet for connection ${scope.connection.id}`
            : `no report ${reportId} for connection ${scope.connection.id}`,
          ...(elsewhere ? { connection: elsewhere } : {}),
        }),
      };
    const why = latest
      ? `No reconciliation of connection <code>${escapeHtml(scope.connection.id)}</code> has written a report yet. Run <code>npm run reconcile -- --from &lt;date&gt;</code> or wait for the nightly schedule.`
      : elsewhere
        ? `This report is connection <code>${escapeHtml(elsewhere)}</code>'s: see <a href="${escapeHtml(`${connectionPagesBase(elsewhere)}/reports/${encodeURIComponent(reportId)}`)}">its page</a>.`
        : `Connection <code>${escapeHtml(scope.connection.id)}</code> has no report with this id.`;
    return htmlPage(404, 'No report', `<h1>No report</h1><p>${why}</p>`, scope.pagesBase);
  }

  /**
   * The connection's latest report, for its abandoned authentications: a database hiccup leaves
   * that list out, not the page.
   */
  private async latestForProblems(connectionId: string): Promise<ReconciliationReport | undefined> {
    try {
      return await this.store.latest(connectionId);
    } catch {
      return undefined;
    }
  }

  /** The connection's visibility scans, shared by the GETs within problemsCacheMs. */
  private async problemScan(connectionId: string): Promise<ProblemScan> {
    const now = Date.now();
    const cacheMs = this.options.problemsCacheMs ?? 5_000;
    let entry = this.problemScans.get(connectionId);
    if (!entry || now - entry.at >= cacheMs) {
      const scan = this.latestForProblems(connectionId).then((latestReport) =>
        loadProblems(this.options.client, connectionId, [], {
          ...(this.options.problemsDeadlineMs !== undefined ? { deadlineMs: this.options.problemsDeadlineMs } : {}),
          ...(latestReport ? { latestReport } : {}),
        }),
      );
      entry = { at: now, scan };
      this.problemScans.delete(connectionId);
      this.problemScans.set(connectionId, entry);
      while (this.problemScans.size > MAX_CACHED_SCANS)
        this.problemScans.delete(this.problemScans.keys().next().value!);
      // A failed scan is not kept: the next GET tries again.
      scan.catch(() => {
        if (this.problemScans.get(connectionId)?.scan === scan) this.problemScans.delete(connectionId);
      });
    }
    const { scan } = entry;
    const scanned = await scan;
    // A section Temporal could not answer in time is not reused: the next GET scans again.
    if (scanned.sections.some((section) => section.unreadable) && this.problemScans.get(connectionId)?.scan === scan)
      this.problemScans.delete(connectionId);
    return scanned;
  }

  /** Every connection at a glance, when there are several: the registry, then one query for all latest reports. */
  private async overview(): Promise<string> {
    if (!this.options.connections) return '';
    let rows: ConnectionOverviewRow[];
    try {
      const connections = await this.options.connections.listConnections();
      if (connections.length <= 1) return '';
      const latest = await latestReportPerConnection(
        this.options.database,
        connections.map((connection) => connection.id),
      );
      rows = connections.map((connection) => {
        const facts = latest.get(connection.id);
        return {
          id: connection.id,
          status: connection.status,
          ...(facts
            ? { latest: { reportId: facts.reportId, finishedAt: facts.finishedAt, unresolved: facts.unresolved } }
            : {}),
        };
      });
    } catch {
      // The environment's own problems still show when the registry or the database cannot be read.
      return renderConnectionOverview(
        [],
        'The connections could not be listed just now (database unreachable?). Reload to try again.',
      );
    }
    return renderConnectionOverview(rows);
  }

  private environmentScope(): PageScope {
    return {
      connection: {
        id: this.options.connectionId,
        status: 'active',
        stripe: { secretKey: this.options.stripeSecretKey, account: undefined },
      },
      pagesBase: '',
    };
  }

  /** The connection named by a path segment; undefined for an invalid id or one no registry knows. */
  private async connectionScope(segment: string): Promise<PageScope | undefined> {
    let id: string;
    try {
      id = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
    if (!connectionIdSchema.safeParse(id).success) return undefined;
    const connection = this.options.connections
      ? await this.options.connections.getConnection(id)
      : this.isEnvironment(id)
        ? this.environmentScope().connection
        : undefined;
    return connection ? { connection, pagesBase: connectionPagesBase(connection.id) } : undefined;
  }

  private isEnvironment(connectionId: string): boolean {
    return connectionId === this.options.connectionId;
  }

  private linksOf(scope: PageScope): LinkSettings {
    return {
      temporalUiUrl: this.options.temporalUiUrl,
      namespace: this.options.namespace,
      connectionId: scope.connection.id,
      stripeTestMode: isStripeTestKey(scope.connection.stripe.secretKey),
      stripeAccount: scope.connection.stripe.account,
      pagesBase: scope.pagesBase,
    };
  }
}

/**
 * The webhook endpoint's totals are the endpoint's (every connection's), but the events noted as
 * undeliverable name their connection: a page lists only its own, and the environment's page
 * also those no connection was known for (a path naming none).
 */
function ownNotedEvents(
  webhooks: readonly WebhookSourceHealth[],
  connectionId: string,
  isEnvironment: boolean,
): WebhookSourceHealth[] {
  return webhooks.map((source) => {
    if (!source.recent) return source;
    const recent = source.recent.filter((event) =>
      event.connection === undefined ? isEnvironment : event.connection === connectionId,
    );
    const { recent: _all, ...rest } = source;
    return recent.length > 0 ? { ...rest, recent } : rest;
  });
}

function unknownConnection(asJson: boolean): PageAnswer {
  if (asJson)
    return { status: 404, contentType: 'application/json', body: JSON.stringify({ error: 'no such connection' }) };
  return htmlPage(
    404,
    'No such connection',
    '<h1>No such connection</h1><p>No connection has this id. <code>npm run connections -- list</code> shows them.</p>',
  );
}
