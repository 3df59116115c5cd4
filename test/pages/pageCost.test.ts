import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { ConnectorPages } from '../../src/reports/pages';
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

const get = (pages: ConnectorPages, url: string) =>
  pages.handlerFor(url.split('?')[0]!)!({ url } as http.IncomingMessage);

describe('report pages read each file once', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'page-cost-'));
  const reports = path.join(dataDir, 'reports');
  const reads = new Map<string, number>();
  let pages: ConnectorPages;

  beforeAll(() => {
    fs.mkdirSync(reports);
    ['2026-11-01', '2026-11-02', '2026-11-03'].forEach((day, index) => {
      const file = path.join(reports, `r-${index + 1}.json`);
      fs.writeFileSync(file, JSON.stringify(report(`r-${index + 1}`, day, 1000 * (index + 1))));
      const at = new Date(`${day}T23:59:59.000Z`);
      fs.utimesSync(file, at, at);
    });
    pages = new ConnectorPages({
      client: {} as Client,
      dataDir,
      connectionId: 'default',
      namespace: 'default',
      temporalUiUrl: 'http://127.0.0.1:8233',
      stripeSecretKey: 'sk_test_x',
      readReportFile: async (file) => {
        reads.set(path.basename(file), (reads.get(path.basename(file)) ?? 0) + 1);
        return fs.promises.readFile(file, 'utf8');
      },
    });
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('parses a report (and the charted runs) once for repeated GETs, and again only when its file changes', async () => {
    for (let round = 0; round < 5; round += 1) {
      const page = await get(pages, '/reports/latest');
      expect(page.status).toBe(200);
      expect(page.body).toContain('r-3');
      expect((await get(pages, '/reports/latest.json')).status).toBe(200);
      expect((await get(pages, '/reports/r-1')).status).toBe(200);
      expect(JSON.parse((await get(pages, '/reports/r-2.json')).body)).toMatchObject({ reportId: 'r-2' });
    }
    // Every file once: the shown reports and the chart's list share the parsed files.
    expect(Object.fromEntries(reads)).toEqual({ 'r-1.json': 1, 'r-2.json': 1, 'r-3.json': 1 });

    // A run rewrites r-3 (new content, new mtime): it alone is read again, for the page and the chart.
    const file = path.join(reports, 'r-3.json');
    fs.writeFileSync(file, JSON.stringify(report('r-3', '2026-11-03', 777_777)));
    const later = new Date('2026-11-04T00:00:00.000Z');
    fs.utimesSync(file, later, later);
    const json = JSON.parse((await get(pages, '/reports/latest.json')).body) as ReconciliationReport;
    expect(json.totals.eur!.stripeCollected).toBe(777_777);
    expect((await get(pages, '/reports/latest')).body).toContain('7777.77 EUR');
    expect(Object.fromEntries(reads)).toEqual({ 'r-1.json': 1, 'r-2.json': 1, 'r-3.json': 2 });

    // A new run appears: the chart list reads the new file only.
    const added = path.join(reports, 'r-4.json');
    fs.writeFileSync(added, JSON.stringify(report('r-4', '2026-11-05', 5000)));
    const newest = new Date('2026-11-05T23:59:59.000Z');
    fs.utimesSync(added, newest, newest);
    expect((await get(pages, '/reports/latest')).body).toContain('r-4');
    expect(Object.fromEntries(reads)).toEqual({ 'r-1.json': 1, 'r-2.json': 1, 'r-3.json': 2, 'r-4.json': 1 });
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
      dataDir: os.tmpdir(),
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
    expect(scans()).toBe(3);
    // The timed-out answer is not reused: the next GET scans again.
    await get(pages, '/problems');
    expect(scans()).toBe(6);
  });

  it('reuses a complete answer for a few seconds', async () => {
    const { client, scans } = slowClient(0);
    const pages = new ConnectorPages({
      client,
      dataDir: os.tmpdir(),
      connectionId: 'default',
      namespace: 'default',
      temporalUiUrl: 'http://127.0.0.1:8233',
      stripeSecretKey: 'sk_test_x',
      problemsCacheMs: 60_000,
    });
    expect((await get(pages, '/problems')).body).toContain('None.');
    await get(pages, '/problems');
    expect(scans()).toBe(3);
  });
});
