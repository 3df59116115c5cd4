import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { MonstockOrderId, OrderPaymentStatus, StripePaymentIntentIds } from '../shared/searchAttributes';
import { escapeHtml } from './html';
import { stripeDashboardUrl, workflowUrl, type LinkSettings } from './links';
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
}

export interface ProblemSection {
  key: 'unmatched' | 'needs_attention' | 'cancelled_after_payment';
  title: string;
  query: string;
  workflows: ProblemWorkflow[];
  /** More matched than were listed. */
  truncated: boolean;
  /** Set when Temporal did not answer in time or failed: the rows listed are what was read before. */
  unreadable?: string;
}

export interface Problems {
  sections: ProblemSection[];
  webhooks: WebhookSourceHealth[];
  checkedAt: string;
}

/** Rows listed per section; the count says when there are more. */
export const MAX_PROBLEMS_PER_SECTION = 500;

/** How long the page waits for each visibility scan: a slow Temporal gives a page saying so, not a hang. */
export const PROBLEM_SCAN_DEADLINE_MS = 5_000;

/** Visibility queries: running workflows of this connection carrying the attribute. */
export function problemQueries(connectionId: string): Array<Pick<ProblemSection, 'key' | 'title' | 'query'>> {
  const scope = `ConnectionId = '${connectionId.replace(/'/g, "\\'")}' AND ExecutionStatus = 'Running'`;
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

function toProblem(info: WorkflowExecutionInfo): ProblemWorkflow {
  const attributes = info.typedSearchAttributes;
  const orderId = attributes.get(MonstockOrderId);
  const paymentStatus = attributes.get(OrderPaymentStatus);
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    type: info.type,
    startTime: info.startTime.toISOString(),
    ...(orderId ? { orderId } : {}),
    paymentIntentIds: attributes.get(StripePaymentIntentIds) ?? [],
    ...(paymentStatus ? { paymentStatus } : {}),
  };
}

export async function loadProblems(
  client: Client,
  connectionId: string,
  webhooks: WebhookSourceHealth[],
  options: { deadlineMs?: number } = {},
): Promise<Problems> {
  const deadline = Date.now() + (options.deadlineMs ?? PROBLEM_SCAN_DEADLINE_MS);
  const sections = await Promise.all(
    problemQueries(connectionId).map(async (section): Promise<ProblemSection> => {
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
            ? `Temporal did not answer within ${(options.deadlineMs ?? PROBLEM_SCAN_DEADLINE_MS) / 1000} s`
            : 'Temporal could not be queried';
      }
      workflows.sort((a, b) => a.startTime.localeCompare(b.startTime) || a.workflowId.localeCompare(b.workflowId));
      return { ...section, workflows, truncated, ...(unreadable ? { unreadable } : {}) };
    }),
  );
  return { sections, webhooks, checkedAt: new Date().toISOString() };
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

function sectionHtml(section: ProblemSection, links: LinkSettings): string {
  const count = `${section.workflows.length}${section.truncated ? '+' : ''}`;
  const heading = `<h2>${escapeHtml(section.title)} (<span class="count">${escapeHtml(section.unreadable ? `${count}?` : count)}</span>)</h2>`;
  const unreadable = section.unreadable
    ? `<p class="bad unreadable">Could not be read: ${escapeHtml(section.unreadable)}. ${section.workflows.length > 0 ? 'Only what was read in time is listed. ' : ''}Reload to try again, or search <code>${escapeHtml(section.query)}</code> in the Web UI.</p>`
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
      return `<tr class="problem" data-workflow-id="${escapeHtml(w.workflowId)}"><td><a class="workflow" href="${escapeHtml(workflowUrl(links, w.workflowId))}"><code>${escapeHtml(w.workflowId)}</code></a></td><td>${w.orderId ? `<code>${escapeHtml(w.orderId)}</code>` : ''}</td><td>${intents}</td><td>${escapeHtml(w.paymentStatus ?? '')}</td><td>${escapeHtml(w.startTime)}</td></tr>`;
    })
    .join('\n');
  return `<section id="${section.key}">${heading}${unreadable}
<table><tr><th>Workflow</th><th>Order</th><th>Stripe payment intents</th><th>Payment status</th><th>Started</th></tr>
${rows}</table>${section.truncated ? `<p class="muted">Only the first ${MAX_PROBLEMS_PER_SECTION} are listed; search <code>${escapeHtml(section.query)}</code> in the Web UI for all.</p>` : ''}</section>`;
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
  const total = problems.sections.reduce((sum, section) => sum + section.workflows.length, 0);
  const unreadable = problems.sections.filter((section) => section.unreadable);
  return `<h1>Needs a person now</h1>
${unreadable.length > 0 ? `<p class="bad" id="unreadable">Temporal could not be read in time for: ${unreadable.map((section) => escapeHtml(section.title)).join(', ')}. The counts below may be incomplete.</p>\n` : ''}<p>Checked <time id="checked-at">${escapeHtml(problems.checkedAt)}</time>: <strong id="problem-total" class="${total > 0 ? 'bad' : 'ok'}">${total}</strong> workflow${total === 1 ? '' : 's'} waiting. Reload for the current state.</p>
${problems.sections.map((section) => sectionHtml(section, links)).join('\n')}
${webhooksHtml(problems.webhooks)}`;
}
