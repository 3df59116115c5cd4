import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
// The same two days as the reconciliation's authorization_expiring (issue 15: warn two days before).
import { AUTHORIZATION_WARNING_MS } from '../reconciliation/compareAuthorisations';
import type { ReconciliationReport } from '../shared/reconciliation';
import {
  AuthorizationExpiresAt,
  MonstockOrderId,
  OrderPaymentStatus,
  StripePaymentIntentIds,
} from '../shared/searchAttributes';
import { escapeHtml } from './html';
import {
  connectionQuery,
  orderWorkflowUrl,
  pagePath,
  stripeDashboardUrl,
  workflowsQueryUrl,
  workflowUrl,
  type LinkSettings,
} from './links';
import type { WebhookSourceHealth } from './webhookHealth';

/** What needs a person now, read live from Temporal's visibility. */
export interface ProblemWorkflow {
  workflowId: string;
  runId: string;
  type: string;
  startTime: string;
  orderId?: string;
  paymentIntentIds: string[];
  paymentStatus?: string;
  /** When the order's card authorisation lapses (the workflow's AuthorizationExpiresAt), ISO 8601. */
  authorizationExpiresAt?: string;
}

export interface ProblemSection {
  key: 'unmatched' | 'needs_attention' | 'cancelled_after_payment' | 'authorization_expiring';
  title: string;
  query: string;
  workflows: ProblemWorkflow[];
  /** More matched than were listed. */
  truncated: boolean;
  /** Set when Temporal did not answer in time or failed: the rows listed are what was read before. */
  unreadable?: string;
}

/**
 * Payments the customer left waiting on 3-D Secure for over 24 h: from the latest reconciliation
 * report's `authentication_abandoned` findings. The order workflow sets no search attribute for it
 * (OrderPaymentStatus says `unpaid`, not why), and the report already read Stripe, so the page
 * costs no Stripe call; it is as fresh as the last run, which it names.
 */
export interface AbandonedAuthentications {
  reportId?: string;
  reportFinishedAt?: string;
  payments: Array<{ orderId?: string; paymentIntentId?: string; detail: string }>;
  truncated: boolean;
}

export interface Problems {
  sections: ProblemSection[];
  /** Authorisations lapsing within 2 days or already past (AuthorizationExpiresAt); unset by older callers. */
  expiring?: ProblemSection;
  abandoned?: AbandonedAuthentications;
  webhooks: WebhookSourceHealth[];
  checkedAt: string;
}

/** Rows listed per section; the count says when there are more. */
export const MAX_PROBLEMS_PER_SECTION = 500;

/** How long the page waits for each visibility scan: a slow Temporal gives a page saying so, not a hang. */
export const PROBLEM_SCAN_DEADLINE_MS = 5_000;

/** Visibility queries: running workflows of this connection carrying the attribute. */
export function problemQueries(connectionId: string): Array<Pick<ProblemSection, 'key' | 'title' | 'query'>> {
  const scope = `${connectionQuery(connectionId)} AND ExecutionStatus = 'Running'`;
  return [
    { key: 'unmatched', title: 'Unmatched payments', query: `PaymentUnmatched = true AND ${scope}` },
    { key: 'needs_attention', title: 'Orders parked as needs-attention', query: `NeedsAttention = true AND ${scope}` },
    {
      key: 'cancelled_after_payment',
      title: 'Orders cancelled after payment',
      query: `CancelledAfterPayment = true AND ${scope}`,
    },
  ];
}

/** Running order workflows of the connection whose authorisation lapses before `now` + 2 days (or has). */
export function expiringAuthorisationQuery(
  connectionId: string,
  now: number,
): Pick<ProblemSection, 'key' | 'title' | 'query'> {
  const scope = `${connectionQuery(connectionId)} AND ExecutionStatus = 'Running'`;
  const before = new Date(now + AUTHORIZATION_WARNING_MS).toISOString();
  return {
    key: 'authorization_expiring',
    title: 'Authorisations expiring (capture or ship within 2 days)',
    query: `AuthorizationExpiresAt < '${before}' AND ${scope}`,
  };
}

/** The latest report's abandoned authentications, bounded like a section. */
export function abandonedFromReport(report: ReconciliationReport | undefined): AbandonedAuthentications {
  if (!report) return { payments: [], truncated: false };
  const found = report.findings.filter((finding) => finding.kind === 'authentication_abandoned');
  const counted = report.byKind.authentication_abandoned ?? found.length;
  return {
    reportId: report.reportId,
    reportFinishedAt: report.finishedAt,
    payments: found.slice(0, MAX_PROBLEMS_PER_SECTION).map((finding) => ({
      ...(finding.orderId ? { orderId: finding.orderId } : {}),
      ...(finding.paymentIntentId ? { paymentIntentId: finding.paymentIntentId } : {}),
      detail: finding.detail,
    })),
    truncated: counted > Math.min(found.length, MAX_PROBLEMS_PER_SECTION),
  };
}

function toProblem(info: WorkflowExecutionInfo): ProblemWorkflow {
  const attributes = info.typedSearchAttributes;
  const orderId = attributes.get(MonstockOrderId);
  const paymentStatus = attributes.get(OrderPaymentStatus);
  const expiresAt = attributes.get(AuthorizationExpiresAt);
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    type: info.type,
    startTime: info.startTime.toISOString(),
    ...(orderId ? { orderId } : {}),
    paymentIntentIds: attributes.get(StripePaymentIntentIds) ?? [],
    ...(paymentStatus ? { paymentStatus } : {}),
    ...(expiresAt ? { authorizationExpiresAt: expiresAt.toISOString() } : {}),
  };
}

export async function loadProblems(
  client: Client,
  connectionId: string,
  webhooks: WebhookSourceHealth[],
  options: { deadlineMs?: number; latestReport?: ReconciliationReport } = {},
): Promise<Problems> {
  const deadlineMs = options.deadlineMs ?? PROBLEM_SCAN_DEADLINE_MS;
  const deadline = Date.now() + deadlineMs;
  const [expiring, ...sections] = await Promise.all(
    [expiringAuthorisationQuery(connectionId, Date.now()), ...problemQueries(connectionId)].map((section) =>
      scanSection(client, section, deadline, deadlineMs),
    ),
  );
  // Soonest to lapse first: the order to ship (or capture) today.
  expiring!.workflows.sort((a, b) => (a.authorizationExpiresAt ?? '').localeCompare(b.authorizationExpiresAt ?? ''));
  return {
    sections,
    expiring: expiring!,
    abandoned: abandonedFromReport(options.latestReport),
    webhooks,
    checkedAt: new Date().toISOString(),
  };
}

/** One visibility scan, bounded in rows and in time. */
async function scanSection(
  client: Client,
  section: Pick<ProblemSection, 'key' | 'title' | 'query'>,
  deadline: number,
  deadlineMs: number,
): Promise<ProblemSection> {
  const workflows: ProblemWorkflow[] = [];
  let truncated = false;
  let late = false;
  const scan = client.connection.withDeadline(deadline, async () => {
    for await (const info of client.workflow.list({ query: section.query, pageSize: 100 })) {
      if (late) break;
      if (workflows.length >= MAX_PROBLEMS_PER_SECTION) {
        truncated = true;
        break;
      }
      workflows.push(toProblem(info));
    }
  });
  let unreadable: string | undefined;
  try {
    await beforeDeadline(scan, deadline);
  } catch (error) {
    late = true;
    scan.catch(() => undefined);
    unreadable =
      error instanceof ScanTimeout
        ? `Temporal did not answer within ${deadlineMs / 1000} s`
        : 'Temporal could not be queried';
  }
  workflows.sort((a, b) => a.startTime.localeCompare(b.startTime) || a.workflowId.localeCompare(b.workflowId));
  return { ...section, workflows, truncated, ...(unreadable ? { unreadable } : {}) };
}

class ScanTimeout extends Error {}

/** Waits for `work` until `deadline` (epoch ms), leaving it to finish (or fail) unobserved after that. */
async function beforeDeadline(work: Promise<void>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ScanTimeout()), Math.max(0, deadline - Date.now()));
  });
  try {
    await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The row's time: when the authorisation lapses (past ones marked), else when the workflow started. */
function lastCell(section: ProblemSection, w: ProblemWorkflow, checkedAt: string): string {
  if (section.key !== 'authorization_expiring') return `<td>${escapeHtml(w.startTime)}</td>`;
  const at = w.authorizationExpiresAt ?? '';
  const past = at !== '' && at <= checkedAt;
  return `<td class="expires ${past ? 'bad' : 'warn'}"><time>${escapeHtml(at)}</time>${past ? ' (lapsed)' : ''}</td>`;
}

/** A section's visibility query, linked to the Web UI's list for it (the query names the connection). */
function queryLink(query: string, links: LinkSettings): string {
  return `<a class="query" href="${escapeHtml(workflowsQueryUrl(links, query))}"><code>${escapeHtml(query)}</code></a>`;
}

function sectionHtml(section: ProblemSection, links: LinkSettings, checkedAt: string): string {
  const count = `${section.workflows.length}${section.truncated ? '+' : ''}`;
  const heading = `<h2>${escapeHtml(section.title)} (<span class="count">${escapeHtml(section.unreadable ? `${count}?` : count)}</span>)</h2>`;
  const unreadable = section.unreadable
    ? `<p class="bad unreadable">Could not be read: ${escapeHtml(section.unreadable)}. ${section.workflows.length > 0 ? 'Only what was read in time is listed. ' : ''}Reload to try again, or search ${queryLink(section.query, links)} in the Web UI.</p>`
    : '';
  if (unreadable && section.workflows.length === 0)
    return `<section id="${section.key}">${heading}${unreadable}</section>`;
  if (section.workflows.length === 0) return `<section id="${section.key}">${heading}<p class="ok">None.</p></section>`;
  const rows = section.workflows
    .map((w) => {
      const intents = w.paymentIntentIds
        .map((id) => {
          const url = stripeDashboardUrl(links, id);
          return url
            ? `<a class="stripe" href="${escapeHtml(url)}"><code>${escapeHtml(id)}</code></a>`
            : `<code>${escapeHtml(id)}</code>`;
        })
        .join(' ');
      return `<tr class="problem" data-workflow-id="${escapeHtml(w.workflowId)}"><td><a class="workflow" href="${escapeHtml(workflowUrl(links, w.workflowId))}"><code>${escapeHtml(w.workflowId)}</code></a></td><td>${w.orderId ? `<code>${escapeHtml(w.orderId)}</code>` : ''}</td><td>${intents}</td><td>${escapeHtml(w.paymentStatus ?? '')}</td>${lastCell(section, w, checkedAt)}</tr>`;
    })
    .join('\n');
  return `<section id="${section.key}">${heading}${unreadable}
<table><tr><th>Workflow</th><th>Order</th><th>Stripe payment intents</th><th>Payment status</th><th>${section.key === 'authorization_expiring' ? 'Authorisation lapses' : 'Started'}</th></tr>
${rows}</table>${section.truncated ? `<p class="muted">Only the first ${MAX_PROBLEMS_PER_SECTION} are listed; search ${queryLink(section.query, links)} in the Web UI for all.</p>` : ''}</section>`;
}

function abandonedHtml(abandoned: AbandonedAuthentications, links: LinkSettings): string {
  const heading = `<h2>Authentication abandoned (over 24 h) (<span class="count">${abandoned.payments.length}${abandoned.truncated ? '+' : ''}</span>)</h2>`;
  const source = abandoned.reportId
    ? `<p class="muted">From the latest reconciliation report, <a href="${escapeHtml(pagePath(links, `/reports/${encodeURIComponent(abandoned.reportId)}`))}">${escapeHtml(abandoned.reportId)}</a>${abandoned.reportFinishedAt ? ` (finished ${escapeHtml(abandoned.reportFinishedAt)})` : ''}: as fresh as that run.</p>`
    : '<p class="muted">No reconciliation report yet: this list comes from the latest one.</p>';
  if (abandoned.payments.length === 0)
    return `<section id="authentication_abandoned">${heading}${abandoned.reportId ? '<p class="ok">None.</p>' : ''}${source}</section>`;
  const rows = abandoned.payments
    .map((p) => {
      const url = p.paymentIntentId ? stripeDashboardUrl(links, p.paymentIntentId) : undefined;
      const intent = p.paymentIntentId
        ? url
          ? `<a class="stripe" href="${escapeHtml(url)}"><code>${escapeHtml(p.paymentIntentId)}</code></a>`
          : `<code>${escapeHtml(p.paymentIntentId)}</code>`
        : '';
      const order = p.orderId
        ? `<a class="workflow" href="${escapeHtml(orderWorkflowUrl(links, p.orderId))}"><code>${escapeHtml(p.orderId)}</code></a>`
        : '';
      return `<tr class="abandoned" data-payment-intent-id="${escapeHtml(p.paymentIntentId ?? '')}"><td>${order}</td><td>${intent}</td><td>${escapeHtml(p.detail)}</td></tr>`;
    })
    .join('\n');
  return `<section id="authentication_abandoned">${heading}${source}
<table><tr><th>Order</th><th>Stripe payment intent</th><th>Why</th></tr>
${rows}</table>${abandoned.truncated ? `<p class="muted">Only the first ${MAX_PROBLEMS_PER_SECTION} are listed; the report lists all.</p>` : ''}</section>`;
}

function webhooksHtml(webhooks: readonly WebhookSourceHealth[]): string {
  const rows = webhooks
    .map(
      (w) =>
        `<tr class="webhook" data-source="${escapeHtml(w.source)}"><th>${escapeHtml(w.source)}</th><td class="ok">${escapeHtml(w.lastSuccessSeenAt ?? 'none since start')}</td><td class="${w.lastFailureSeenAt ? 'bad' : ''}">${escapeHtml(w.lastFailureSeenAt ?? 'none since start')}</td><td class="num">${escapeHtml(w.succeeded)}</td><td class="num">${escapeHtml(w.rejected)}</td><td class="num">${escapeHtml(w.unavailable)}</td></tr>`,
    )
    .join('\n');
  return `<section id="webhooks"><h2>Webhook endpoint</h2>
<table><tr><th>Source</th><th>Last success seen</th><th>Last failure seen</th><th>Succeeded</th><th>Rejected (400)</th><th>Unavailable (503)</th></tr>
${rows || '<tr><td colspan="6" class="muted">No webhook source counted yet.</td></tr>'}</table>
<p class="muted">Since this webhook server started. Times are when the server's counters were seen to go up (checked every few seconds), not the requests' exact times.</p>${notedEventsHtml(webhooks)}</section>`;
}

/** The last events no retry could deliver (object unknown to Stripe, bad id, other mode): acknowledged or refused. */
function notedEventsHtml(webhooks: readonly WebhookSourceHealth[]): string {
  const rows = webhooks
    .flatMap((w) => w.recent ?? [])
    .map(
      (e) =>
        `<tr class="noted-event" data-reason="${escapeHtml(e.reason)}"><td>${escapeHtml(e.at)}</td><td>${escapeHtml(e.source)}</td><td>${escapeHtml(e.reason)}</td><td class="num">${escapeHtml(e.status)}</td><td><code>${escapeHtml(e.eventId)}</code></td><td>${escapeHtml(e.type)}</td><td>${e.paymentIntentId ? `<code>${escapeHtml(e.paymentIntentId)}</code>` : ''}</td></tr>`,
    )
    .join('\n');
  if (!rows) return '';
  return `<h3 id="noted-events">Events no retry can deliver</h3>
<table><tr><th>Seen</th><th>Source</th><th>Reason</th><th>Answer</th><th>Event</th><th>Type</th><th>Payment intent</th></tr>
${rows}</table>`;
}

export function renderProblemsBody(problems: Problems, links: LinkSettings): string {
  const scanned = problems.expiring ? [problems.expiring, ...problems.sections] : problems.sections;
  const total =
    scanned.reduce((sum, section) => sum + section.workflows.length, 0) + (problems.abandoned?.payments.length ?? 0);
  const unreadable = scanned.filter((section) => section.unreadable);
  return `<h1>Needs a person now</h1>
${unreadable.length > 0 ? `<p class="bad" id="unreadable">Temporal could not be read in time for: ${unreadable.map((section) => escapeHtml(section.title)).join(', ')}. The counts below may be incomplete.</p>\n` : ''}<p>Checked <time id="checked-at">${escapeHtml(problems.checkedAt)}</time>: <strong id="problem-total" class="${total > 0 ? 'bad' : 'ok'}">${total}</strong> workflow${total === 1 ? '' : 's'} waiting. Reload for the current state.</p>
${scanned.map((section) => sectionHtml(section, links, problems.checkedAt)).join('\n')}
${problems.abandoned ? abandonedHtml(problems.abandoned, links) : ''}
${webhooksHtml(problems.webhooks)}`;
}
