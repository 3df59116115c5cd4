import { formatAmount } from '../payments/money';
import { parseUnmatchedPaymentWorkflowId, unmatchedPaymentWorkflowId } from '../shared/ids';
import {
  FINDING_KINDS,
  type CurrencyTotals,
  type FindingKind,
  type ReconciliationFinding,
  type ReconciliationReport,
} from '../shared/reconciliation';
import { escapeHtml, link } from './html';
import { orderWorkflowUrl, pagePath, stripeDashboardUrl, workflowUrl, type LinkSettings } from './links';

/** The HTML report of one reconciliation run: pure functions of the report and the recent ones. */
export const FINDINGS_PER_PAGE = 100;

const TOTAL_FIELDS: ReadonlyArray<[keyof CurrencyTotals, string]> = [
  ['stripeCollected', 'Stripe collected'],
  ['monstockRecorded', 'Monstock recorded'],
  ['refunded', 'Refunded'],
  ['disputed', 'Disputed'],
  ['difference', 'Difference'],
];

export interface ChartPoint {
  /** The run the day's amounts come from. */
  reportId: string;
  /** YYYY-MM-DD (UTC). */
  date: string;
  collected: number;
  recorded: number;
}

const DAY_MS = 86_400_000;

/** How much of a UTC day a run's window covers, in ms. */
function coverage(report: ReconciliationReport, day: string): number {
  const start = Date.parse(`${day}T00:00:00.000Z`);
  return Math.max(
    0,
    Math.min(Date.parse(report.window.to), start + DAY_MS) - Math.max(Date.parse(report.window.from), start),
  );
}

/**
 * Collected and recorded per day for a currency, oldest day first. Nightly windows overlap
 * (48 hours by default), so a day appears in several runs: its amounts come from the run whose
 * window covers most of it, the latest on a tie, never a sum. Runs from before daily totals
 * existed give one point, on the day they finished, for their whole window.
 */
export function chartPoints(reports: readonly ReconciliationReport[], currency: string): ChartPoint[] {
  const byDay = new Map<string, { point: ChartPoint; covered: number }>();
  const ordered = [...reports].sort(
    (a, b) =>
      (a.finishedAt || a.window.to).localeCompare(b.finishedAt || b.window.to) || a.reportId.localeCompare(b.reportId),
  );
  for (const report of ordered) {
    const days: Array<[string, { collected: number; recorded: number }, number]> = report.daily
      ? Object.entries(report.daily).flatMap(([day, amounts]) =>
          amounts[currency]
            ? [
                [day, amounts[currency]!, coverage(report, day)] as [
                  string,
                  { collected: number; recorded: number },
                  number,
                ],
              ]
            : [],
        )
      : report.totals[currency]
        ? [
            [
              (report.finishedAt || report.window.to).slice(0, 10),
              {
                collected: report.totals[currency]!.stripeCollected,
                recorded: report.totals[currency]!.monstockRecorded,
              },
              DAY_MS,
            ],
          ]
        : [];
    for (const [day, amounts, covered] of days) {
      const known = byDay.get(day);
      if (known && known.covered > covered) continue;
      byDay.set(day, {
        point: { reportId: report.reportId, date: day, collected: amounts.collected, recorded: amounts.recorded },
        covered,
      });
    }
  }
  return [...byDay.values()].map(({ point }) => point).sort((a, b) => a.date.localeCompare(b.date));
}

export function chartCurrencies(reports: readonly ReconciliationReport[]): string[] {
  return [...new Set(reports.flatMap((report) => Object.keys(report.totals)))].sort();
}

const CHART = { width: 720, height: 240, left: 90, right: 20, top: 20, bottom: 40 } as const;

/** Inline SVG: collected (solid) and recorded (dashed) per day; every point carries its value. */
export function renderChart(points: readonly ChartPoint[], currency: string): string {
  const label = `Collected vs recorded per day (UTC), ${currency.toUpperCase()}, ${points.length} day${points.length === 1 ? '' : 's'} from the last runs`;
  if (points.length === 0) return `<p class="muted">${escapeHtml(label)}: no data.</p>`;
  const plotWidth = CHART.width - CHART.left - CHART.right;
  const plotHeight = CHART.height - CHART.top - CHART.bottom;
  const max = Math.max(1, ...points.flatMap((p) => [p.collected, p.recorded]));
  const min = Math.min(0, ...points.flatMap((p) => [p.collected, p.recorded]));
  const x = (i: number) => CHART.left + (points.length === 1 ? plotWidth / 2 : (i * plotWidth) / (points.length - 1));
  const y = (value: number) => CHART.top + plotHeight - ((value - min) / (max - min)) * plotHeight;
  const fmt = (n: number) => n.toFixed(1);
  const series = (key: 'collected' | 'recorded', color: string, dash: string) => {
    const line = points.map((p, i) => `${fmt(x(i))},${fmt(y(p[key]))}`).join(' ');
    const dots = points
      .map(
        (p, i) =>
          `<circle class="point" data-series="${key}" data-report="${escapeHtml(p.reportId)}" data-date="${escapeHtml(p.date)}" data-value="${p[key]}" cx="${fmt(x(i))}" cy="${fmt(y(p[key]))}" r="3" fill="${color}"><title>${escapeHtml(`${p.date} ${key}: ${formatAmount(p[key], currency)}`)}</title></circle>`,
      )
      .join('');
    return `<polyline data-series="${key}" fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${line}"/>${dots}`;
  };
  const axisY = CHART.top + plotHeight;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  return `<figure><svg class="chart" data-currency="${escapeHtml(currency)}" role="img" aria-label="${escapeHtml(label)}" xmlns="http://www.w3.org/2000/svg" width="${CHART.width}" height="${CHART.height}" viewBox="0 0 ${CHART.width} ${CHART.height}">
<line x1="${CHART.left}" y1="${axisY}" x2="${CHART.width - CHART.right}" y2="${axisY}" stroke="#8c959f"/>
<line x1="${CHART.left}" y1="${CHART.top}" x2="${CHART.left}" y2="${axisY}" stroke="#8c959f"/>
<text x="${CHART.left - 6}" y="${CHART.top + 4}" text-anchor="end" font-size="11">${escapeHtml(formatAmount(max, currency))}</text>
<text x="${CHART.left - 6}" y="${axisY}" text-anchor="end" font-size="11">${escapeHtml(formatAmount(min, currency))}</text>
<text x="${CHART.left}" y="${axisY + 16}" font-size="11">${escapeHtml(first.date)}</text>
<text x="${CHART.width - CHART.right}" y="${axisY + 16}" text-anchor="end" font-size="11">${escapeHtml(last.date)}</text>
${series('collected', '#0969da', '')}
${series('recorded', '#bf3989', '5 3')}
</svg><figcaption>${escapeHtml(label)}: <span style="color:#0969da">— Stripe collected</span>, <span style="color:#bf3989">- - Monstock recorded</span></figcaption></figure>`;
}

function totalsTable(report: ReconciliationReport): string {
  const currencies = Object.keys(report.totals).sort();
  if (currencies.length === 0) return '<p class="muted">No money in this window.</p>';
  const head = `<tr><th>Currency</th>${TOTAL_FIELDS.map(([, title]) => `<th>${escapeHtml(title)}</th>`).join('')}</tr>`;
  const rows = currencies
    .map((currency) => {
      const totals = report.totals[currency]!;
      const cells = TOTAL_FIELDS.map(([field]) => {
        const cls = field === 'difference' && totals.difference !== 0 ? 'num bad' : 'num';
        return `<td class="${cls}" data-field="${field}">${escapeHtml(formatAmount(totals[field], currency))}</td>`;
      }).join('');
      return `<tr class="totals" data-currency="${escapeHtml(currency)}"><th>${escapeHtml(currency.toUpperCase())}</th>${cells}</tr>`;
    })
    .join('\n');
  return `<table id="totals">${head}\n${rows}</table>`;
}

/** What each kind means, in a person's words: shown next to the kind's code on the page. */
export const FINDING_TITLES: Record<FindingKind, string> = {
  payment_missing_on_order: 'Stripe payment not on the Monstock order',
  amount_mismatch: 'Amounts differ',
  currency_mismatch: 'Currencies differ',
  status_mismatch: 'Statuses differ',
  fee_missing: "Stripe's fee, or the currency it settled in, not on Monstock",
  refund_missing: 'Stripe refund not on the Monstock order',
  dispute_missing: 'Stripe dispute not on the Monstock order',
  paid_without_stripe_money: 'Paid in Monstock, no money in Stripe',
  unmatched_payment: 'Stripe payment with no Monstock order',
  order_without_intent: 'Amount due and no Stripe payment',
  authorization_expired: 'Card authorisation lapsed or ended (Monstock still shows it held)',
  authorization_expiring: 'Card authorisation lapses within 2 days: capture or ship',
  authentication_abandoned: 'Customer left 3-D Secure unfinished for over 24 h',
  refund_request_without_refund: 'Monstock refund request with no Stripe refund',
  refund_without_request: 'Stripe refund naming a refund request Monstock does not match',
  refund_request_status_mismatch: 'Refund request status disagrees with Stripe',
};

function kindTitle(kind: string): string {
  const title = (FINDING_TITLES as Record<string, string>)[kind];
  return title ? ` <span class="kind-title">${escapeHtml(title)}</span>` : '';
}

function countsTable(report: ReconciliationReport): string {
  const known = new Set<string>(FINDING_KINDS);
  const kinds = [
    ...FINDING_KINDS.filter((kind) => (report.byKind[kind] ?? 0) > 0),
    ...Object.keys(report.byKind).filter((kind) => !known.has(kind)),
  ];
  if (kinds.length === 0) return '<p class="ok" id="no-findings">No findings.</p>';
  const rows = kinds
    .map(
      (kind) =>
        `<tr class="kind" data-kind="${escapeHtml(kind)}"><td><code>${escapeHtml(kind)}</code>${kindTitle(kind)}</td><td class="num count">${escapeHtml((report.byKind as Record<string, number>)[kind] ?? 0)}</td></tr>`,
    )
    .join('\n');
  return `<table id="counts"><tr><th>Kind</th><th>Findings</th></tr>\n${rows}</table>`;
}

function side(
  values: { status?: string; amount?: number; currency?: string } | undefined,
  fallbackCurrency: string | undefined,
): string {
  if (!values) return '';
  const currency = values.currency ?? fallbackCurrency;
  const parts = [
    values.status,
    values.amount !== undefined && currency ? formatAmount(values.amount, currency) : values.amount,
    values.currency && values.amount === undefined ? values.currency.toUpperCase() : undefined,
  ];
  return escapeHtml(parts.filter((part) => part !== undefined && part !== '').join(' · '));
}

function stripeCell(finding: ReconciliationFinding, links: LinkSettings): string {
  const ids: string[] = [];
  if (finding.paymentIntentId) ids.push(finding.paymentIntentId);
  // Money Monstock shows that Stripe never saw has no Stripe object behind its reference.
  if (
    finding.transactionRef &&
    finding.transactionRef !== finding.paymentIntentId &&
    finding.kind !== 'paid_without_stripe_money'
  )
    ids.push(finding.transactionRef);
  const linked = ids.map((id) => {
    const url = stripeDashboardUrl(links, id);
    return url
      ? `<a class="stripe" href="${escapeHtml(url)}"><code>${escapeHtml(id)}</code></a>`
      : `<code>${escapeHtml(id)}</code>`;
  });
  const values = side(finding.stripe, finding.currency);
  return [linked.join('<br>'), values].filter(Boolean).join('<br>');
}

function monstockCell(finding: ReconciliationFinding): string {
  const parts: string[] = [];
  if (finding.orderId) parts.push(`order <code>${escapeHtml(finding.orderId)}</code>`);
  if (finding.transactionRef && finding.kind === 'paid_without_stripe_money')
    parts.push(`ref <code>${escapeHtml(finding.transactionRef)}</code>`);
  if (finding.refundRequestId) parts.push(`refund request <code>${escapeHtml(finding.refundRequestId)}</code>`);
  const values = side(finding.monstock, finding.currency);
  if (values) parts.push(values);
  if (finding.expiresAt) parts.push(`lapses <time>${escapeHtml(finding.expiresAt)}</time>`);
  return parts.join('<br>');
}

function workflowCell(finding: ReconciliationFinding, links: LinkSettings): string {
  if (finding.orderId)
    return `<a class="workflow" href="${escapeHtml(orderWorkflowUrl(links, finding.orderId))}">order workflow</a>`;
  if (finding.kind === 'unmatched_payment' && finding.paymentIntentId) {
    const id = unmatchedPaymentWorkflowId(links.connectionId, finding.paymentIntentId);
    return parseUnmatchedPaymentWorkflowId(id)
      ? `<a class="workflow" href="${escapeHtml(workflowUrl(links, id))}">unmatched-payment workflow</a>`
      : '';
  }
  return '';
}

function findingRow(finding: ReconciliationFinding, index: number, links: LinkSettings): string {
  return `<tr class="finding" data-kind="${escapeHtml(finding.kind)}"><td class="num">${index + 1}</td><td><code>${escapeHtml(finding.kind)}</code>${kindTitle(finding.kind)}${finding.repairable ? ' <span class="ok">(repairable)</span>' : ''}</td><td>${escapeHtml(finding.action)}</td><td>${stripeCell(finding, links)}</td><td>${monstockCell(finding)}</td><td>${workflowCell(finding, links)}</td><td>${escapeHtml(finding.detail)}</td></tr>`;
}

export interface ReportPageInput {
  report: ReconciliationReport;
  /** The last runs (any order) for the chart; the report itself may be among them. */
  recent: readonly ReconciliationReport[];
  links: LinkSettings;
  /** 1-based page of findings. */
  page: number;
  /** Path this page is served at, for the paging links. */
  path: string;
}

/** Fields newer runs may carry (warnings, replayed events): read loosely so older reports still render. */
function optionalFacts(report: ReconciliationReport): string {
  const replayed = (report as { replayedEvents?: unknown }).replayedEvents;
  const lastGood = (report as { lastGoodRunAt?: unknown }).lastGoodRunAt;
  return [
    typeof replayed === 'number' ? `<tr><th>Events replayed</th><td>${escapeHtml(replayed)}</td></tr>` : '',
    typeof lastGood === 'string' ? `<tr><th>Previous good run</th><td>${escapeHtml(lastGood)}</td></tr>` : '',
  ].join('');
}

function warningsHtml(report: ReconciliationReport): string {
  const warnings = (report as { warnings?: unknown }).warnings;
  if (!Array.isArray(warnings) || warnings.length === 0) return '';
  return `<ul id="warnings" class="bad">${warnings.map((warning) => `<li>${escapeHtml(warning)}</li>`).join('')}</ul>`;
}

export function pageCount(findings: number): number {
  return Math.max(1, Math.ceil(findings / FINDINGS_PER_PAGE));
}

/** The page body (safe HTML) of one report. */
export function renderReportBody(input: ReportPageInput): string {
  const { report, links } = input;
  const pages = pageCount(report.findings.length);
  const page = Math.min(Math.max(1, Math.floor(input.page) || 1), pages);
  const start = (page - 1) * FINDINGS_PER_PAGE;
  const shown = report.findings.slice(start, start + FINDINGS_PER_PAGE);
  const totalFindings = report.findings.length;
  const pager =
    pages > 1
      ? `<p class="pager">Page ${page} of ${pages}: ${page > 1 ? link(`${input.path}?page=${page - 1}`, '← previous') : ''} ${page < pages ? link(`${input.path}?page=${page + 1}`, 'next →') : ''}</p>`
      : '';
  const recent = input.recent.some((r) => r.reportId === report.reportId) ? input.recent : [...input.recent, report];
  const charts = chartCurrencies(recent)
    .map((currency) => renderChart(chartPoints(recent, currency), currency))
    .join('\n');
  return `<h1>Reconciliation report</h1>
${warningsHtml(report)}
<table id="summary">
<tr><th>Report</th><td><code id="report-id">${escapeHtml(report.reportId)}</code> (${link(pagePath(links, `/reports/${encodeURIComponent(report.reportId)}.json`), 'JSON')})</td></tr>
<tr><th>Connection</th><td>${escapeHtml(report.connectionId)}</td></tr>
<tr><th>Window</th><td><time id="window-from">${escapeHtml(report.window.from)}</time> – <time id="window-to">${escapeHtml(report.window.to)}</time></td></tr>
<tr><th>Ran</th><td>${escapeHtml(report.startedAt)} – ${escapeHtml(report.finishedAt)}</td></tr>
<tr><th>Compared</th><td>${escapeHtml(report.counts.intents)} payment intents, ${escapeHtml(report.counts.orders)} orders, ${escapeHtml(report.counts.pages)} pages</td></tr>
<tr><th>Repairs sent</th><td>${escapeHtml(report.counts.repairsSent)}</td></tr>
${optionalFacts(report)}<tr><th>Left for a person</th><td id="unresolved" class="${report.unresolved > 0 ? 'bad' : 'ok'}">${escapeHtml(report.unresolved)}</td></tr>
</table>
<h2>Totals per currency</h2>
${totalsTable(report)}
<h2>Findings per kind</h2>
${countsTable(report)}
<h2>Collected vs recorded, last runs</h2>
${charts || '<p class="muted">No runs to chart.</p>'}
<h2>Findings (<span id="finding-total">${totalFindings}</span>)</h2>
${report.findingsTruncated ? '<p class="bad">This report holds only the first findings; the full list is in its report file.</p>' : ''}
${pager}
${
  shown.length > 0
    ? `<table id="findings"><tr><th>#</th><th>Kind</th><th>Action</th><th>Stripe</th><th>Monstock</th><th>Temporal</th><th>Detail</th></tr>\n${shown.map((finding, i) => findingRow(finding, start + i, links)).join('\n')}</table>`
    : '<p class="ok">Nothing to look at.</p>'
}
${pager}`;
}
