import { Counters, defineWebhookCounters, WEBHOOK_COUNTERS } from '../../src/observability/counters';
import { escapeHtml } from '../../src/reports/html';
import { stripeDashboardUrl, orderWorkflowUrl, type LinkSettings } from '../../src/reports/links';
import { renderProblemsBody, problemQueries } from '../../src/reports/problems';
import { chartPoints, FINDINGS_PER_PAGE, renderChart, renderReportBody } from '../../src/reports/reportPage';
import { isValidReportId, loadLatestReport, loadRecentReports, loadReport } from '../../src/reports/reportStore';
import { savePart, saveReport } from '../../src/store/reports';
import { startFileDatabase } from '../support/database';
import { totalsBySource, WebhookHealth } from '../../src/reports/webhookHealth';
import type { ReconciliationFinding, ReconciliationReport } from '../../src/shared/reconciliation';

const links: LinkSettings = {
  temporalUiUrl: 'http://127.0.0.1:8233',
  namespace: 'default',
  connectionId: 'default',
  stripeTestMode: true,
};

function report(overrides: Partial<ReconciliationReport> = {}): ReconciliationReport {
  return {
    reportId: 'r-1',
    connectionId: 'default',
    window: { from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z' },
    startedAt: '2026-11-02T02:00:00.000Z',
    finishedAt: '2026-11-02T02:01:00.000Z',
    counts: { pages: 1, items: 3, intents: 2, orders: 1, findings: 0, stripeCalls: 0, repairsSent: 0, ignored: 0 },
    byKind: {},
    totals: {},
    unresolved: 0,
    findings: [],
    findingsTruncated: false,
    ...overrides,
  };
}

const finding = (overrides: Partial<ReconciliationFinding> = {}): ReconciliationFinding => ({
  kind: 'amount_mismatch',
  repairable: false,
  action: 'reported',
  paymentIntentId: 'pi_1',
  orderId: 'ord_1',
  detail: 'amounts differ',
  ...overrides,
});

describe('report page rendering', () => {
  it('escapes every value a report carries', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const html = renderReportBody({
      report: report({
        connectionId: '<b>conn</b>',
        findings: [
          finding({
            detail: '<script>alert(1)</script>',
            orderId: 'o"><img src=x onerror=alert(1)>',
            paymentIntentId: 'pi_<i>x</i>',
          }),
        ],
        byKind: { amount_mismatch: 1 },
      }),
      recent: [],
      links,
      page: 1,
      path: '/reports/latest',
    });
    expect(html).not.toMatch(/<script|<img|<b>conn|<i>x/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;conn&lt;/b&gt;');
    // The order id goes into the Web UI link URL-encoded, and the link itself is attribute-escaped.
    expect(html).toContain(
      `/namespaces/default/workflows/${encodeURIComponent('order-payment/default/o"><img src=x onerror=alert(1)>')}`,
    );
  });

  it('formats totals as money per currency, zero-decimal currencies included', () => {
    const html = renderReportBody({
      report: report({
        totals: {
          eur: { stripeCollected: 123456, monstockRecorded: 123400, refunded: 500, disputed: 0, difference: -56 },
          jpy: { stripeCollected: 4200, monstockRecorded: 4200, refunded: 0, disputed: 0, difference: 0 },
        },
      }),
      recent: [],
      links,
      page: 1,
      path: '/reports/latest',
    });
    expect(html).toMatch(
      /data-currency="eur".*data-field="stripeCollected">1234\.56 EUR<.*data-field="monstockRecorded">1234\.00 EUR<.*data-field="refunded">5\.00 EUR<.*data-field="disputed">0\.00 EUR<.*data-field="difference">-0\.56 EUR</,
    );
    expect(html).toMatch(/data-currency="jpy".*data-field="stripeCollected">4200 JPY</);
  });

  it('links findings to the order workflow and to Stripe’s dashboard, test or live', () => {
    expect(orderWorkflowUrl(links, 'ord_1')).toBe(
      'http://127.0.0.1:8233/namespaces/default/workflows/order-payment%2Fdefault%2Ford_1',
    );
    expect(stripeDashboardUrl(links, 'pi_123')).toBe('https://dashboard.stripe.com/test/payments/pi_123');
    expect(stripeDashboardUrl({ stripeTestMode: false }, 'pi_123')).toBe(
      'https://dashboard.stripe.com/payments/pi_123',
    );
    expect(stripeDashboardUrl(links, 're_9')).toBe('https://dashboard.stripe.com/test/refunds/re_9');
    expect(stripeDashboardUrl(links, 'manual-7731')).toBeUndefined();
    const html = renderReportBody({
      report: report({
        findings: [
          finding({
            kind: 'paid_without_stripe_money',
            paymentIntentId: undefined,
            transactionRef: 'pi_typed_by_hand',
          }),
        ],
        byKind: { paid_without_stripe_money: 1 },
      }),
      recent: [],
      links,
      page: 1,
      path: '/reports/latest',
    });
    // Money Stripe never saw: its reference is Monstock's, not a dashboard link.
    expect(html).not.toContain('dashboard.stripe.com');
    expect(html).toContain('ref <code>pi_typed_by_hand</code>');
  });

  it('pages findings by 100, with counts per kind', () => {
    const findings = Array.from({ length: 250 }, (_, i) =>
      finding({ orderId: `ord_${i}`, paymentIntentId: `pi_${i}` }),
    );
    const base = {
      report: report({ findings, byKind: { amount_mismatch: 250 } }),
      recent: [],
      links,
      path: '/reports/latest',
    };
    const rows = (html: string) => html.match(/<tr class="finding"/g)?.length ?? 0;
    expect(rows(renderReportBody({ ...base, page: 1 }))).toBe(FINDINGS_PER_PAGE);
    const last = renderReportBody({ ...base, page: 3 });
    expect(rows(last)).toBe(50);
    expect(last).toContain('Page 3 of 3');
    expect(last).toContain('href="/reports/latest?page=2"');
    expect(last).toContain('<td class="num">201</td>');
    expect(rows(renderReportBody({ ...base, page: 99 }))).toBe(50);
    expect(last).toMatch(/<tr class="kind" data-kind="amount_mismatch">.*<td class="num count">250<\/td>/);
  });

  it('charts collected vs recorded per run, oldest first, one point per run, for runs without daily totals', () => {
    const runs = [3, 1, 2].map((day) =>
      report({
        reportId: `r-${day}`,
        finishedAt: `2026-11-0${day}T02:00:00.000Z`,
        totals: {
          eur: {
            stripeCollected: day * 1000,
            monstockRecorded: day * 1000 - day,
            refunded: 0,
            disputed: 0,
            difference: -day,
          },
        },
      }),
    );
    runs.push(
      report({
        reportId: 'r-usd',
        totals: { usd: { stripeCollected: 1, monstockRecorded: 1, refunded: 0, disputed: 0, difference: 0 } },
      }),
    );
    const points = chartPoints(runs, 'eur');
    expect(points).toEqual([
      { reportId: 'r-1', date: '2026-11-01', collected: 1000, recorded: 999 },
      { reportId: 'r-2', date: '2026-11-02', collected: 2000, recorded: 1998 },
      { reportId: 'r-3', date: '2026-11-03', collected: 3000, recorded: 2997 },
    ]);
    const svg = renderChart(points, 'eur');
    expect(svg.match(/<circle class="point" data-series="collected"/g)).toHaveLength(3);
    expect(svg.match(/<circle class="point" data-series="recorded"/g)).toHaveLength(3);
    const values = [...svg.matchAll(/data-series="collected"[^>]*data-value="(\d+)"/g)].map((m) => Number(m[1]));
    expect(values).toEqual([1000, 2000, 3000]);
    // Higher amounts sit higher: y falls as the value grows.
    const ys = [...svg.matchAll(/data-series="collected"[^>]*cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(ys[0]!).toBeGreaterThan(ys[1]!);
    expect(ys[1]!).toBeGreaterThan(ys[2]!);
    expect(svg).toContain('30.00 EUR');
    expect(svg).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});

describe('report files', () => {
  it('charts each day once, from the overlapping nightly run that covers most of it', () => {
    const run = (id: string, from: string, to: string, daily: ReconciliationReport['daily']) =>
      report({ reportId: id, window: { from, to }, finishedAt: to, daily });
    // Nightly at 02:00 UTC over 48 hours: 11-02 is whole in the first run, a sliver of the second.
    const first = run('n-1', '2026-11-01T02:00:00.000Z', '2026-11-03T02:00:00.000Z', {
      '2026-11-01': { EUR: { collected: 100, recorded: 100 } },
      '2026-11-02': { EUR: { collected: 200, recorded: 150 } },
      '2026-11-03': { EUR: { collected: 5, recorded: 5 } },
    });
    const second = run('n-2', '2026-11-02T02:00:00.000Z', '2026-11-04T02:00:00.000Z', {
      '2026-11-02': { EUR: { collected: 190, recorded: 190 } },
      '2026-11-03': { EUR: { collected: 300, recorded: 300 } },
      '2026-11-04': { EUR: { collected: 7, recorded: 0 }, USD: { collected: 1, recorded: 1 } },
    });
    expect(chartPoints([second, first], 'EUR')).toEqual([
      { reportId: 'n-1', date: '2026-11-01', collected: 100, recorded: 100 },
      // The first window holds all of 11-02, the second only from 02:00: not a sum, not the later partial day.
      { reportId: 'n-1', date: '2026-11-02', collected: 200, recorded: 150 },
      { reportId: 'n-2', date: '2026-11-03', collected: 300, recorded: 300 },
      { reportId: 'n-2', date: '2026-11-04', collected: 7, recorded: 0 },
    ]);
    expect(chartPoints([first, second], 'USD')).toEqual([
      { reportId: 'n-2', date: '2026-11-04', collected: 1, recorded: 1 },
    ]);
    // Equal cover: the later run wins, it saw late refunds and repairs too.
    const again = run('n-2b', second.window.from, second.window.to, {
      '2026-11-03': { EUR: { collected: 310, recorded: 310 } },
    });
    expect(chartPoints([second, again], 'EUR').find((p) => p.date === '2026-11-03')).toMatchObject({
      reportId: 'n-2b',
      collected: 310,
    });
  });

  it('reads the latest written, the last 30 for the chart, and refuses ids that are not ids', async () => {
    const db = await startFileDatabase();
    try {
      expect(await loadLatestReport(db.database)).toBeUndefined();
      for (let i = 0; i < 35; i++) await saveReport(db.database, report({ reportId: `r-${i}` }), `/reports/r-${i}`);
      // Parts of a run still going are not a report.
      await savePart(db.database, 'r-x', 'stripe', 0, report({ reportId: 'r-x' }).findings);
      expect((await loadLatestReport(db.database))?.reportId).toBe('r-34');
      const recent = await loadRecentReports(db.database, 30);
      expect(recent.map((r) => r.reportId)).toEqual(Array.from({ length: 30 }, (_, i) => `r-${34 - i}`));
      expect((await loadReport(db.database, 'r-3'))?.reportId).toBe('r-3');
      expect(await loadReport(db.database, '../../etc/passwd')).toBeUndefined();
      expect(await loadReport(db.database, 'r-x')).toBeUndefined();
      expect(isValidReportId('..')).toBe(false);
    } finally {
      await db.stop();
    }
  });
});

describe('problems page', () => {
  it('scopes its queries to running workflows of the connection', () => {
    expect(problemQueries('default').map((q) => q.query)).toEqual([
      "PaymentUnmatched = true AND ConnectionId = 'default' AND ExecutionStatus = 'Running'",
      "NeedsAttention = true AND ConnectionId = 'default' AND ExecutionStatus = 'Running'",
      "CancelledAfterPayment = true AND ConnectionId = 'default' AND ExecutionStatus = 'Running'",
    ]);
  });

  it('renders each section escaped, with Web UI and dashboard links', () => {
    const html = renderProblemsBody(
      {
        checkedAt: '2026-11-02T10:00:00.000Z',
        sections: [
          {
            key: 'unmatched',
            title: 'Unmatched payments',
            query: 'q',
            truncated: false,
            workflows: [
              {
                workflowId: 'unmatched-payment/default/pi_9',
                runId: 'r',
                type: 'unmatchedPaymentWorkflow',
                startTime: '2026-11-02T09:00:00.000Z',
                paymentIntentIds: ['pi_9'],
              },
            ],
          },
          {
            key: 'needs_attention',
            title: 'Orders parked',
            query: 'q',
            truncated: false,
            workflows: [
              {
                workflowId: 'order-payment/default/<x>',
                runId: 'r',
                type: 't',
                startTime: '2026-11-02T09:00:00.000Z',
                orderId: '<x>',
                paymentIntentIds: [],
              },
            ],
          },
          { key: 'cancelled_after_payment', title: 'Cancelled', query: 'q', truncated: false, workflows: [] },
        ],
        webhooks: [
          {
            source: 'stripe',
            succeeded: 3,
            rejected: 1,
            unavailable: 0,
            failed: 0,
            lastSuccessSeenAt: '2026-11-02T09:59:00.000Z',
          },
        ],
      },
      links,
    );
    expect(html).toContain(
      'href="http://127.0.0.1:8233/namespaces/default/workflows/unmatched-payment%2Fdefault%2Fpi_9"',
    );
    expect(html).toContain('href="https://dashboard.stripe.com/test/payments/pi_9"');
    expect(html).toContain('<code>&lt;x&gt;</code>');
    expect(html).not.toContain('<x>');
    expect(html).toContain('<strong id="problem-total" class="bad">2</strong>');
    expect(html).toMatch(/data-source="stripe">.*2026-11-02T09:59:00\.000Z.*none since start/);
  });
});

describe('webhook health', () => {
  it('notes when successes and failures were seen going up, per source, from the counters', () => {
    const counters = defineWebhookCounters(new Counters());
    counters.inc(WEBHOOK_COUNTERS.accepted, { source: 'stripe', workflow: 'order' }, 5);
    let now = new Date('2026-11-02T10:00:00.000Z');
    const health = new WebhookHealth(counters, { sources: ['stripe', 'monstock'], now: () => now });
    // Counted before it watched: totals, but no time.
    expect(health.snapshot()).toEqual([
      { source: 'monstock', succeeded: 0, rejected: 0, unavailable: 0, failed: 0 },
      { source: 'stripe', succeeded: 5, rejected: 0, unavailable: 0, failed: 0 },
    ]);
    now = new Date('2026-11-02T10:00:05.000Z');
    counters.inc(WEBHOOK_COUNTERS.ignored, { source: 'stripe', reason: 'ignore_rule' });
    counters.inc(WEBHOOK_COUNTERS.rejected, { source: 'monstock', reason: 'bad_signature' });
    health.observe();
    now = new Date('2026-11-02T10:00:10.000Z');
    counters.inc(WEBHOOK_COUNTERS.unavailable, { source: 'stripe' });
    expect(health.snapshot()).toEqual([
      {
        source: 'monstock',
        succeeded: 0,
        rejected: 1,
        unavailable: 0,
        failed: 0,
        lastFailureSeenAt: '2026-11-02T10:00:05.000Z',
      },
      {
        source: 'stripe',
        succeeded: 6,
        rejected: 0,
        unavailable: 1,
        failed: 0,
        lastSuccessSeenAt: '2026-11-02T10:00:05.000Z',
        lastFailureSeenAt: '2026-11-02T10:00:10.000Z',
      },
    ]);
    expect(totalsBySource('x_total{reason="a,source=\\"q\\"",source="s"} 2\n').get('s')?.get('x_total')).toBe(2);
  });
});
