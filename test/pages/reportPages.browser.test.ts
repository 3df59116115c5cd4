import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createLogger } from '../../src/observability/logger';
import { formatAmount } from '../../src/payments/money';
import { ConnectorPages } from '../../src/reports/pages';
import { startFileDatabase, type FileDatabase } from '../support/database';
import { listen, type StartedServer } from '../../sandbox/kit/http';
import { reconciliationWorkflowId, unmatchedPaymentWorkflowId } from '../../src/shared/ids';
import {
  RECONCILIATION_WORKFLOW_TYPE,
  type ReconciliationReport,
  type ReconciliationWorkflowInput,
} from '../../src/shared/reconciliation';
import { createAdminAuthenticator } from '../../src/starter/admin/authenticator';
import { createAdminServer } from '../../src/starter/admin/adminServer';
import { EncryptionCodec } from '../../src/temporal/codec/encryptionCodec';
import { startConnectorHarness, type ConnectorHarness } from '../support/connectorHarness';
import {
  connectorClients,
  eventually,
  startTestWorker,
  TEST_ENCRYPTION_KEYS,
  type RunningWorker,
} from '../support/temporal';

/**
 * The report and problems pages as a person sees them: headless Chromium (Debian's `chromium`,
 * driven by playwright-core) on the admin listener with its token, after a real reconciliation run with a
 * planted finding and an unmatched payment. The page's numbers must be the JSON report's.
 */
const CHROMIUM = '/usr/bin/chromium';
const ADMIN_TOKEN = 'report-pages-admin-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${ADMIN_TOKEN}` };
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('report and problems pages in headless Chromium', () => {
  jest.setTimeout(120_000);
  let h: ConnectorHarness;
  let worker: RunningWorker;
  let server: StartedServer;
  let browser: Browser;
  let page: Page;
  // A database of this file's own: /reports/latest is this file's run, whatever other files write.
  let db: FileDatabase | undefined;
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}; the page tests need it. Install it with: apt-get install chromium (as root: apt-get update && apt-get install -y chromium). .ci/run does this on CI.`,
      );
    }
    h = await startConnectorHarness({ startWorker: false });
    db = await startFileDatabase();
    const clients = connectorClients({
      monstock: h.monstock.client,
      stripe: h.sdk,
      client: h.client,
      taskQueue: h.taskQueue,
    });
    worker = await startTestWorker(h.taskQueue, {
      ...clients,
      toUnmatched: h.delivery.toUnmatched,
      reconciliation: h.reconciliation(db.database),
    });
    const pages = new ConnectorPages({
      client: h.client,
      database: db.database,
      connectionId: 'default',
      namespace: h.client.options.namespace,
      temporalUiUrl: 'http://127.0.0.1:8233',
      stripeSecretKey: h.config.stripe.secretKey,
    });
    const admin = createAdminServer({
      logger: createLogger({ level: 'error' }),
      authenticate: createAdminAuthenticator({ token: ADMIN_TOKEN }),
      pages,
      metrics: async () => ({ status: 200, contentType: 'text/plain', body: '' }),
      codec: { codec: new EncryptionCodec(TEST_ENCRYPTION_KEYS), corsOrigins: [] },
    });
    server = await listen(admin as http.Server, 0);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    // A person (or a proxy in front) sends the admin token with every request.
    page = await browser.newPage({ extraHTTPHeaders: AUTH });
    page.on('request', (request) => {
      if (!request.url().startsWith(server.url)) foreignRequests.push(request.url());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await worker?.stop();
    await h?.close();
    await db?.stop();
  });

  it('shows the latest report with the JSON report’s totals, counts per kind and findings, and lists an unmatched payment as a problem', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    // A clean payment, settled through the webhook and the order workflow.
    const clean = await h.order(4200);
    await h.sdk.paymentIntents.create({
      amount: 4200,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { monstock_order_id: clean.id },
    });
    await eventually(
      async () => ((await h.monstock.client.getOrder(clean.id)).paymentStatus === 'paid' ? true : undefined),
      30_000,
    );
    // Planted: money Monstock shows that Stripe never saw, and a payment no order claims.
    const planted = await h.order(2500);
    await h.monstock.client.recordPayment(planted.id, {
      kind: 'payment',
      transactionRef: 'pi_typed_by_hand',
      amount: 2500,
      currency: 'EUR',
      status: 'succeeded',
      occurredAt: new Date().toISOString(),
      provider: 'stripe',
    });
    const stray = await h.sdk.paymentIntents.create({
      amount: 999,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const strayWorkflowId = unmatchedPaymentWorkflowId('default', stray.id);
    await eventually(
      async () =>
        (await h.client.workflow.getHandle(strayWorkflowId).describe()).status.name === 'RUNNING' || undefined,
      30_000,
    );

    const input: ReconciliationWorkflowInput = {
      connectionId: 'default',
      window: { from, to: new Date(Date.now() + 1000).toISOString() },
    };
    const handle = await h.client.workflow.start(RECONCILIATION_WORKFLOW_TYPE, {
      workflowId: reconciliationWorkflowId('default', `pages-${randomUUID().slice(0, 8)}`),
      taskQueue: h.taskQueue,
      args: [input],
    });
    const result = (await handle.result()) as ReconciliationReport;
    expect(result.byKind.paid_without_stripe_money).toBe(1);
    expect(result.byKind.unmatched_payment).toBe(1);

    // The JSON the page serves is the report file: the workflow's result, with every finding.
    const refused = await fetch(`${server.url}/reports/latest.json`);
    expect(refused.status).toBe(401);
    expect(await refused.text()).not.toContain(result.reportId);
    const json = (await (
      await fetch(`${server.url}/reports/latest.json`, { headers: AUTH })
    ).json()) as ReconciliationReport;
    expect(json.reportId).toBe(result.reportId);
    expect(json.totals).toEqual(result.totals);
    expect(json.byKind).toEqual(result.byKind);
    expect(json.findings.length).toBe(result.counts.findings);
    expect((await fetch(`${server.url}/reports/${result.reportId}.json`, { headers: AUTH })).status).toBe(200);
    expect((await fetch(`${server.url}/reports/no-such-report`, { headers: AUTH })).status).toBe(404);

    const response = await page.goto(`${server.url}/reports/latest`);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toContain('Reconciliation');
    expect(await page.textContent('#report-id')).toBe(json.reportId);
    expect(await page.textContent('#window-from')).toBe(json.window.from);

    // Totals per currency, as money.
    const totals = await page.$$eval('tr.totals', (rows) =>
      rows.map((row) => ({
        currency: row.getAttribute('data-currency'),
        cells: Object.fromEntries(
          [...row.querySelectorAll('td[data-field]')].map((td) => [td.getAttribute('data-field'), td.textContent]),
        ),
      })),
    );
    expect(totals.map((t) => t.currency).sort()).toEqual(Object.keys(json.totals).sort());
    expect(Object.keys(json.totals).length).toBeGreaterThan(0);
    for (const { currency, cells } of totals) {
      const expected = json.totals[currency!]!;
      expect(cells).toEqual({
        stripeCollected: formatAmount(expected.stripeCollected, currency!),
        monstockRecorded: formatAmount(expected.monstockRecorded, currency!),
        refunded: formatAmount(expected.refunded, currency!),
        disputed: formatAmount(expected.disputed, currency!),
        difference: formatAmount(expected.difference, currency!),
      });
    }
    // Counts per kind, and the findings themselves.
    const counts = await page.$$eval('tr.kind', (rows) =>
      Object.fromEntries(
        rows.map((row) => [row.getAttribute('data-kind'), Number(row.querySelector('.count')?.textContent)]),
      ),
    );
    expect(counts).toEqual(Object.fromEntries(Object.entries(json.byKind).filter(([, n]) => (n ?? 0) > 0)));
    expect(Number(await page.textContent('#finding-total'))).toBe(json.findings.length);
    expect(await page.locator('tr.finding').count()).toBe(Math.min(100, json.findings.length));
    expect(await page.locator('tr.finding[data-kind="paid_without_stripe_money"]').textContent()).toContain(planted.id);
    const unmatchedRow = page.locator('tr.finding[data-kind="unmatched_payment"]');
    expect(await unmatchedRow.locator('a.stripe').getAttribute('href')).toBe(
      `https://dashboard.stripe.com/test/payments/${stray.id}`,
    );
    expect(
      await page.locator('tr.finding[data-kind="paid_without_stripe_money"] a.workflow').getAttribute('href'),
    ).toBe(
      `http://127.0.0.1:8233/namespaces/${h.client.options.namespace}/workflows/${encodeURIComponent(`order-payment/default/${planted.id}`)}`,
    );
    // The chart: one run so far, so its days as the JSON's daily totals say, adding up to the totals.
    const eur = json.totals.eur ?? json.totals.EUR;
    const points = await page.$$eval('svg.chart circle.point', (circles) =>
      circles.map((c) => ({
        series: c.getAttribute('data-series'),
        date: c.getAttribute('data-date'),
        value: Number(c.getAttribute('data-value')),
      })),
    );
    const days = Object.keys(json.daily ?? {}).sort();
    expect(days.length).toBeGreaterThan(0);
    expect(points).toEqual([
      ...days.map((date) => ({ series: 'collected', date, value: json.daily![date]!.EUR!.collected })),
      ...days.map((date) => ({ series: 'recorded', date, value: json.daily![date]!.EUR!.recorded })),
    ]);
    const sum = (series: string) => points.filter((p) => p.series === series).reduce((total, p) => total + p.value, 0);
    expect(sum('collected')).toBe(eur!.stripeCollected);
    expect(sum('recorded')).toBe(eur!.monstockRecorded);
    expect(await page.locator('svg.chart').isVisible()).toBe(true);

    // The problems page, live from visibility (which lags a little behind).
    const listed = await eventually(
      async () => {
        await page.goto(`${server.url}/problems`);
        return (
          (await page.locator(`#unmatched tr.problem[data-workflow-id="${strayWorkflowId}"]`).count()) === 1 ||
          undefined
        );
      },
      20_000,
      500,
    );
    expect(listed).toBe(true);
    expect(
      await page.locator(`#unmatched tr.problem[data-workflow-id="${strayWorkflowId}"] a.stripe`).getAttribute('href'),
    ).toBe(`https://dashboard.stripe.com/test/payments/${stray.id}`);
    expect(foreignRequests).toEqual([]);
  });
});
