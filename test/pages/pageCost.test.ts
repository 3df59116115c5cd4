import type http from 'node:http';
import type { Client } from '@temporalio/client';
import { ConnectorPages } from '../../src/reports/pages';
import type { Database } from '../../src/store/database';
import { findReport, saveReport } from '../../src/store/reports';
import { startFileDatabase, type FileDatabase } from '../support/database';
import { loadProblems, renderProblemsBody } from '../../src/reports/problems';
import type { ReconciliationReport } from '../../src/shared/reconciliation';

/**
 * The pages are cheap to ask for: a report file is parsed once however often it is shown (until
 * it changes), and /problems never waits on a slow Temporal past its deadline.
 */
function report(reportId: string, day: string, collected: number): ReconciliationReport {
  return {
    reportId,
    connectionId: 'default',
    window: { from: `${day}T00:00:00.000Z`, to: `${day}T23:59:59.000Z` },
    startedAt: `${day}T23:59:59.000Z`,
    finishedAt: `${day}T23:59:59.000Z`,
    counts: { pages: 1, items: 1, intents: 1, orders: 1, findings: 0, stripeCalls: 0, repairsSent: 0, ignored: 0 },
    byKind: {},
    totals: {
      eur: { stripeCollected: collected, monstockRecorded: collected, refunded: 0, disputed: 0, difference: 0 },
    },
    unresolved: 0,
    findings: [],
    findingsTruncated: false,
  };
}

/** The problems page reads no report: a database it must not touch. */
const unusedDatabase = {} as Database;

const get = (pages: ConnectorPages, url: string) =>
  pages.handlerFor(url.split('?')[0]!)!({ url } as http.IncomingMessage);

describe('report pages read each report once', () => {
  const reads = new Map<string, number>();
  let db: FileDatabase;
  let pages: ConnectorPages;

  beforeAll(async () => {
    db = await startFileDatabase();
    for (const [index, day] of ['2026-11-01', '2026-11-02', '2026-11-03'].entries())
      await saveReport(db.database, report(`r-${index + 1}`, day, 1000 * (index + 1)), `/reports/r-${index + 1}`);
    pages = new ConnectorPages({
      client: {} as Client,
      database: db.database,
      connectionId: 'default',
      namespace: 'default',
      temporalUiUrl: 'http://127.0.0.1:8233',
      stripeSecretKey: 'sk_test_x',
      readReport: async (database, reportId) => {
        reads.set(reportId, (reads.get(reportId) ?? 0) + 1);
        return findReport(database, reportId);
      },
    });
  });
  afterAll(async () => db?.stop());

  it('reads a report (and the charted runs) once for repeated GETs, and again only when it is rewritten', async () => {
    for (let round = 0; round < 5; round += 1) {
      const page = await get(pages, '/reports/latest');
      expect(page.status).toBe(200);
      expect(page.body).toContain('r-3');
      expect((await get(pages, '/reports/latest.json')).status).toBe(200);
      expect((await get(pages, '/reports/r-1')).status).toBe(200);
      expect(JSON.parse((await get(pages, '/reports/r-2.json')).body)).toMatchObject({ reportId: 'r-2' });
    }
    // Every report once: the shown reports and the chart's list share the read reports.
    expect(Object.fromEntries(reads)).toEqual({ 'r-1': 1, 'r-2': 1, 'r-3': 1 });

    // A run rewrites r-3 (new content): it alone is read again, for the page and the chart.
    await saveReport(db.database, report('r-3', '2026-11-03', 777_777), '/reports/r-3');
    const json = JSON.parse((await get(pages, '/reports/latest.json')).body) as ReconciliationReport;
    expect(json.totals.eur!.stripeCollected).toBe(777_777);
    expect((await get(pages, '/reports/latest')).body).toContain('7777.77 EUR');
    expect(Object.fromEntries(reads)).toEqual({ 'r-1': 1, 'r-2': 1, 'r-3': 2 });

    // A new run appears: the chart list reads the new report only.
    await saveReport(db.database, report('r-4', '2026-11-05', 5000), '/reports/r-4');
    expect((await get(pages, '/reports/latest')).body).toContain('r-4');
    expect(Object.fromEntries(reads)).toEqual({ 'r-1': 1, 'r-2': 1, 'r-3': 2, 'r-4': 1 });
    expect((await get(pages, '/reports/no-such')).status).toBe(404);
  });
});

describe('problems page under a slow Temporal', () => {
  /** A client whose visibility scans never answer (or answer after `delayMs`), counting the scans. */
  function slowClient(delayMs: number | undefined) {
    let scans = 0;
    const client = {
      connection: { withDeadline: (_deadline: number, work: () => Promise<unknown>) => work() },
      workflow: {
        list: () => {
          scans += 1;
          return {
            [Symbol.asyncIterator]: () => ({
              next: () =>
                new Promise<IteratorResult<never>>((resolve) => {
                  if (delayMs !== undefined) setTimeout(() => resolve({ done: true, value: undefined }), delayMs);
                }),
            }),
          };
        },
      },
    } as unknown as Client;
    return { client, scans: () => scans };
  }

  it('answers within the deadline with a page saying what could not be read', async () => {
    const { client } = slowClient(undefined);
    const started = Date.now();
    const problems = await loadProblems(client, 'default', [], { deadlineMs: 300 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(problems.sections.map((section) => section.unreadable)).toEqual([
      'Temporal did not answer within 0.3 s',
      'Temporal did not answer within 0.3 s',
      'Temporal did not answer within 0.3 s',
    ]);
    const html = renderProblemsBody(problems, {
      temporalUiUrl: 'http://127.0.0.1:8233',
      namespace: 'default',
      connectionId: 'default',
      stripeTestMode: true,
    });
    expect(html).toContain('id="unreadable"');
    expect(html).toContain('Could not be read');
    expect(html).not.toContain('None.');
  });

  it('serves the page in time, shares one set of scans between concurrent GETs and rescans after a timeout', async () => {
    const { client, scans } = slowClient(undefined);
    const pages = new ConnectorPages({
      client,
      database: unusedDatabase,
      connectionId: 'default',
      namespace: 'default',
      temporalUiUrl: 'http://127.0.0.1:8233',
      stripeSecretKey: 'sk_test_x',
      problemsDeadlineMs: 200,
    });
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 5 }, () => get(pages, '/problems')));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers[0]!.body).toContain('Could not be read');
    expect(scans()).toBe(4);
    // The timed-out answer is not reused: the next GET scans again.
    await get(pages, '/problems');
    expect(scans()).toBe(8);
  });

  it('reuses a complete answer for a few seconds', async () => {
    const { client, scans } = slowClient(0);
    const pages = new ConnectorPages({
      client,
      database: unusedDatabase,
      connectionId: 'default',
      namespace: 'default',
      temporalUiUrl: 'http://127.0.0.1:8233',
      stripeSecretKey: 'sk_test_x',
      problemsCacheMs: 60_000,
    });
    expect((await get(pages, '/problems')).body).toContain('None.');
    await get(pages, '/problems');
    expect(scans()).toBe(4);
  });
});
