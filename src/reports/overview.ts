import { escapeHtml } from './html';
import type { LatestReportFacts } from '../store/reports';

/**
 * The top of /problems when the deployment serves several connections: one row per connection
 * with its status and its latest report's unresolved count, linking to its own pages. Built from
 * the registry and one query for every connection's latest report; no Temporal scan, so it stays
 * cheap with a hundred connections.
 */
export interface ConnectionOverviewRow {
  id: string;
  status: 'active' | 'paused';
  latest?: Pick<LatestReportFacts, 'reportId' | 'finishedAt' | 'unresolved'>;
}

/** Where a connection's pages live on the admin listener. */
export function connectionPagesBase(connectionId: string): string {
  return `/connections/${encodeURIComponent(connectionId)}`;
}

export function renderConnectionOverview(rows: readonly ConnectionOverviewRow[], unavailable?: string): string {
  if (unavailable)
    return `<section id="connections"><h2>Connections</h2><p class="bad">${escapeHtml(unavailable)}</p></section>`;
  const body = rows
    .map((row) => {
      const base = connectionPagesBase(row.id);
      const latest = row.latest;
      const unresolved = latest
        ? `<td class="num unresolved ${latest.unresolved > 0 ? 'bad' : 'ok'}">${escapeHtml(latest.unresolved)}</td><td><a href="${escapeHtml(`${base}/reports/${encodeURIComponent(latest.reportId)}`)}"><time>${escapeHtml(latest.finishedAt)}</time></a></td>`
        : '<td class="num unresolved muted">–</td><td class="muted">no report yet</td>';
      return `<tr class="connection" data-connection-id="${escapeHtml(row.id)}"><th><code>${escapeHtml(row.id)}</code></th><td class="status ${row.status === 'paused' ? 'bad' : 'ok'}">${escapeHtml(row.status)}</td>${unresolved}<td><a href="${escapeHtml(`${base}/problems`)}">problems</a> · <a href="${escapeHtml(`${base}/reports/latest`)}">latest report</a></td></tr>`;
    })
    .join('\n');
  return `<section id="connections"><h2>Connections (<span class="count">${rows.length}</span>)</h2>
<table><tr><th>Connection</th><th>Status</th><th>Left for a person (latest report)</th><th>Latest report finished</th><th>Pages</th></tr>
${body}</table>
<p class="muted">The sections below are the environment's connection's; each connection's own are on its problems page.</p></section>`;
}
