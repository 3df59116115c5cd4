import type { Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { request } from 'undici';
import { listen, type StartedServer } from '../../sandbox/kit/http';
import { loadConfig, withDevelopmentValues, type ConnectorConfig } from '../../src/config';
import { ConnectionRegistry } from '../../src/connections/registry';
import { ConnectionService } from '../../src/connections/service';
import { Counters, defineWebhookCounters, PROMETHEUS_CONTENT_TYPE } from '../../src/observability/counters';
import { createLogger } from '../../src/observability/logger';
import { ConnectorPages } from '../../src/reports/pages';
import type { ReconciliationReport } from '../../src/shared/reconciliation';
import { ConnectionId, NeedsAttention } from '../../src/shared/searchAttributes';
import { createAdminServer } from '../../src/starter/admin/adminServer';
import { createAdminAuthenticator } from '../../src/starter/admin/authenticator';
import { createConnectionsApi } from '../../src/starter/admin/connectionsApi';
import { insertConnection, setConnectionStatus } from '../../src/store/connections';
import { latestReportPerConnection, savePart, saveReport } from '../../src/store/reports';
import { EncryptionCodec } from '../../src/temporal/codec/encryptionCodec';
import { startFileDatabase, type FileDatabase } from '../support/database';
import { connectTestClient, eventually, TEST_ENCRYPTION_KEYS, uniqueTaskQueue } from '../support/temporal';

/**
 * Issue 16, "the problems page and reports are per connection": the admin listener over HTTP, a
 * database of its own holding three connections' reports (the environment's and two registered,
 * one paused) and the run's Temporal holding a parked order of each registered connection. Each
 * connection's pages show only its own reports and workflows; `/reports/...` and `/problems`
 * are the environment's; an unknown connection is a 404; /problems opens with every connection.
 */
const ADMIN_TOKEN = 'connection-pages-admin-token-0123456789';
// Temporal is shared with the run's other test files: ids of this file's own.
const ENV = `pages-${process.pid}-env`;
const A = `pages-${process.pid}-a`;
const B = `pages-${process.pid}-b`;

function report(reportId: string, connectionId: string, day: string, unresolved: number): ReconciliationReport {
  return {
    reportId,
    connectionId,
    window: { from: `${day}T00:00:00.000Z`, to: `${day}T23:59:59.000Z` },
    startedAt: `${day}T23:59:59.000Z`,
    finishedAt: `${day}T23:59:59.000Z`,
    counts: { pages: 1, items: 1, intents: 1, orders: 1, findings: 1, stripeCalls: 0, repairsSent: 0, ignored: 0 },
    byKind: { amount_mismatch: 1 },
    totals: { eur: { stripeCollected: 1000, monstockRecorded: 900, refunded: 0, disputed: 0, difference: -100 } },
    unresolved,
    findings: [
      {
        kind: 'amount_mismatch',
        repairable: false,
        action: 'reported',
        orderId: `ord-${reportId}`,
        paymentIntentId: `pi_${reportId.replace(/-/g, '')}`,
        detail: 'amounts differ',
      },
    ],
    findingsTruncated: false,
  };
}

describe('per-connection pages on the admin listener', () => {
  jest.setTimeout(120_000);
  let db: FileDatabase;
  let client: Client;
  let admin: StartedServer;
  let config: ConnectorConfig;
  const parked: string[] = [];

  const get = async (path: string) => {
    const answer = await request(`${admin.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    return { status: answer.statusCode, type: String(answer.headers['content-type']), body: await answer.body.text() };
  };
  const getJson = async (path: string) => {
    const answer = await get(path);
    return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
  };

  beforeAll(async () => {
    db = await startFileDatabase();
    client = await connectTestClient();
    config = loadConfig(
      withDevelopmentValues({
        DATABASE_URL: db.url,
        CONNECTION_ID: ENV,
        PAYLOAD_ENCRYPTION_KEYS: `test-1:${TEST_ENCRYPTION_KEYS[0]!.key.toString('base64')}`,
      }),
    );
    for (const [n, id] of [A, B].entries())
      await insertConnection(db.database, config.temporal.encryptionKeys, {
        id,
        monstockUrl: 'http://127.0.0.1:4999/v1',
        // B is a connected account under the platform key: its dashboard links go under the account.
        stripeAccount: id === B ? 'acct_pagesB' : undefined,
        settings: {},
        secrets: {
          monstockToken: `monstock-token-${id}`,
          monstockWebhookSecret: `monstock-webhook-secret-${id}`,
          ...(id === A ? { stripeKey: `sk_test_pages_${process.pid}_${n}` } : {}),
        },
      });
    await setConnectionStatus(db.database, config.temporal.encryptionKeys, B, 'paused');

    // A run writes its findings in parts; saveReport gathers them into the report.
    const store = async (written: ReconciliationReport) => {
      await savePart(db.database, written.reportId, 'stripe', 0, written.findings);
      await saveReport(db.database, written, `/reports/${written.reportId}`);
    };
    // Written in this order: B's report is the newest of the whole table, the environment's the oldest.
    await store(report('env-1', ENV, '2026-11-01', 0));
    await store(report('a-1', A, '2026-11-01', 1));
    await store(report('a-2', A, '2026-11-02', 3));
    await store(report('b-1', B, '2026-11-02', 7));

    // One parked order per registered connection: running, NeedsAttention, no worker polls their queue.
    const taskQueue = uniqueTaskQueue('connection-pages');
    for (const id of [A, B]) {
      const workflowId = `order-payment/${id}/ord-parked-${id}`;
      await client.workflow.start('orderPayment', {
        taskQueue,
        workflowId,
        typedSearchAttributes: new TypedSearchAttributes([
          { key: ConnectionId, value: id },
          { key: NeedsAttention, value: true },
        ]),
      });
      parked.push(workflowId);
    }

    const registry = new ConnectionRegistry({ database: db.database, config });
    const counters = defineWebhookCounters(new Counters());
    admin = await listen(
      createAdminServer({
        logger: createLogger({ level: 'error' }),
        authenticate: createAdminAuthenticator({ token: ADMIN_TOKEN }),
        pages: new ConnectorPages({
          client,
          database: db.database,
          connectionId: ENV,
          connections: registry,
          namespace: client.options.namespace,
          temporalUiUrl: 'http://127.0.0.1:8233',
          stripeSecretKey: 'sk_test_environment',
          problemsCacheMs: 0,
        }),
        metrics: async () => ({ status: 200, contentType: PROMETHEUS_CONTENT_TYPE, body: counters.toPrometheus() }),
        codec: { codec: new EncryptionCodec(TEST_ENCRYPTION_KEYS), corsOrigins: [] },
        connections: createConnectionsApi(
          new ConnectionService({ database: db.database, config, logger: createLogger({ level: 'error' }) }),
        ),
      }),
      0,
    );
  });

  afterAll(async () => {
    await Promise.allSettled(parked.map((id) => client.workflow.getHandle(id).terminate('test over')));
    await admin?.close();
    await db?.stop();
  });

  it('serves each connection its own latest report, and /reports/latest the environment’s', async () => {
    expect((await getJson(`/connections/${A}/reports/latest.json`)).body).toMatchObject({
      reportId: 'a-2',
      connectionId: A,
    });
    expect((await getJson(`/connections/${B}/reports/latest.json`)).body).toMatchObject({
      reportId: 'b-1',
      connectionId: B,
    });
    // B's report is the newest in the table; the environment's pages still show the environment's.
    expect((await getJson('/reports/latest.json')).body).toMatchObject({ reportId: 'env-1', connectionId: ENV });
    expect((await getJson(`/connections/${ENV}/reports/latest.json`)).body).toMatchObject({ reportId: 'env-1' });

    const html = await get(`/connections/${A}/reports/latest`);
    expect(html.status).toBe(200);
    expect(html.body).toContain('<code id="report-id">a-2</code>');
    // Links stay within the connection: its JSON, its nav, its order workflows.
    expect(html.body).toContain(`href="/connections/${A}/reports/a-2.json"`);
    expect(html.body).toContain(`href="/connections/${A}/problems"`);
    expect(html.body).toContain(`/workflows/${encodeURIComponent(`order-payment/${A}/ord-a-2`)}`);
    expect(html.body).not.toContain('b-1');
    // B is a connected account: its Stripe links open the platform dashboard under the account.
    const bPage = await get(`/connections/${B}/reports/b-1`);
    expect(bPage.body).toContain('https://dashboard.stripe.com/acct_pagesB/test/payments/pi_b1');
  });

  it('answers 404 for another connection’s report, naming whose it is', async () => {
    const crossed = await getJson(`/connections/${A}/reports/b-1.json`);
    expect(crossed.status).toBe(404);
    expect(crossed.body).toMatchObject({ connection: B });
    expect(JSON.stringify(crossed.body)).not.toContain('amounts differ');
    const crossedHtml = await get(`/connections/${A}/reports/b-1`);
    expect(crossedHtml.status).toBe(404);
    expect(crossedHtml.body).toContain(`href="/connections/${B}/reports/b-1"`);
    expect(crossedHtml.body).not.toContain('ord-b-1');
    // The environment's own paths are the environment's connection: A's report is not there.
    expect((await get('/reports/a-1')).status).toBe(404);
    expect((await get('/reports/a-1.json')).status).toBe(404);
    expect((await getJson(`/connections/${A}/reports/a-1.json`)).body).toMatchObject({ reportId: 'a-1' });
    expect((await getJson('/reports/env-1.json')).body).toMatchObject({ reportId: 'env-1' });
  });

  it('answers 404 for a connection no registry knows or an id that is not one, and keeps the registry API', async () => {
    for (const path of [
      `/connections/pages-${process.pid}-nobody/problems`,
      `/connections/pages-${process.pid}-nobody/reports/latest`,
      '/connections/Not_An_Id/problems',
      '/connections/%E0%A4%A/reports/latest.json',
    ]) {
      const answer = await get(path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      expect(answer.body).not.toContain('a-2');
    }
    expect((await getJson(`/connections/pages-${process.pid}-nobody/reports/latest.json`)).body).toEqual({
      error: 'no such connection',
    });
    // /connections itself is still the admin JSON API.
    const list = await get('/connections');
    expect(list.status).toBe(200);
    expect((JSON.parse(list.body) as Array<{ id: string }>).map((c) => c.id)).toEqual([ENV, A, B]);
    expect((await getJson(`/connections/${B}`)).body).toMatchObject({ id: B, status: 'paused' });
  });

  it('lists each connection’s own problems, with Web UI links scoped to it', async () => {
    const pageOf = async (id: string) =>
      eventually(async () => {
        const answer = await get(`/connections/${id}/problems`);
        expect(answer.status).toBe(200);
        // Visibility is eventually consistent: wait until the parked order shows.
        expect(answer.body).toContain(`data-workflow-id="order-payment/${id}/ord-parked-${id}"`);
        return answer.body;
      }, 20_000);
    const a = await pageOf(A);
    expect(a).not.toContain(`ord-parked-${B}`);
    expect(a).toContain(`<code id="connection-id">${A}</code>`);
    expect(a).toContain(`query=ConnectionId%20%3D%20&#39;${A}&#39;`);
    // The abandoned-authentication list comes from the connection's own latest report.
    expect(a).toContain(`href="/connections/${A}/reports/a-2"`);
    // A connection's page has no overview of the others.
    expect(a).not.toContain('id="connections"');
    const b = await pageOf(B);
    expect(b).not.toContain(`ord-parked-${A}`);
    expect(b).toContain('(paused)');

    const own = await get('/problems');
    expect(own.body).not.toContain(`ord-parked-${A}`);
    expect(own.body).not.toContain(`ord-parked-${B}`);
  });

  it('opens /problems with every connection: status, latest unresolved count and links', async () => {
    const page = (await get('/problems')).body;
    const row = (id: string) =>
      new RegExp(`<tr class="connection" data-connection-id="${id}">.*?</tr>`).exec(page)?.[0] ?? '';
    expect(page).toContain('<h2>Connections (<span class="count">3</span>)</h2>');
    expect(row(ENV)).toContain('>active<');
    expect(row(ENV)).toMatch(/class="num unresolved ok">0</);
    expect(row(A)).toMatch(/class="num unresolved bad">3</);
    expect(row(A)).toContain(`href="/connections/${A}/reports/a-2"`);
    expect(row(A)).toContain(`href="/connections/${A}/problems"`);
    expect(row(B)).toContain('>paused<');
    expect(row(B)).toMatch(/class="num unresolved bad">7</);
    expect(row(B)).toContain('2026-11-02T23:59:59.000Z');
  });

  it('reads every connection’s latest report in one query', async () => {
    const latest = await latestReportPerConnection(db.database, [ENV, A, B, `pages-${process.pid}-none`]);
    expect([...latest.values()]).toEqual([
      { connectionId: ENV, reportId: 'env-1', finishedAt: '2026-11-01T23:59:59.000Z', unresolved: 0 },
      { connectionId: A, reportId: 'a-2', finishedAt: '2026-11-02T23:59:59.000Z', unresolved: 3 },
      { connectionId: B, reportId: 'b-1', finishedAt: '2026-11-02T23:59:59.000Z', unresolved: 7 },
    ]);
  });
});
