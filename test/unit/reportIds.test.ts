import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type Stripe from 'stripe';
import { createReconciliationActivities } from '../../src/activities/reconciliation';
import type { ReconcilePagesInput, ReconciliationClients } from '../../src/activities/reconciliation';
import {
  readParts,
  readSeenIntents,
  writePart,
  writeReport,
  writeSeenIntents,
} from '../../src/activities/reconciliation/reportFiles';
import { isValidReportId, reportFilePath, reportPartsDir } from '../../src/reports/reportPaths';
import type { ReconciliationFinding, ReconciliationReport } from '../../src/shared/reconciliation';

/**
 * The report id reaches file names on the write side (part files, the report, the recursive
 * delete of `<id>.parts`) straight from workflow input: an id that is not one must be refused,
 * non-retryably, before anything outside DATA_DIR/reports is read, written or deleted.
 */
const BAD_IDS = [
  '../../etc/x',
  'a/b',
  '..',
  '../victim',
  '../../victim',
  'a\\b',
  '',
  '.hidden',
  'x.json',
  'x\0y',
  '-x',
];

const finding: ReconciliationFinding = {
  kind: 'amount_mismatch',
  repairable: false,
  action: 'reported',
  paymentIntentId: 'pi_1',
  detail: 'differs',
};

function reportOf(reportId: string): ReconciliationReport {
  return {
    reportId,
    connectionId: 'default',
    window: { from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z' },
    startedAt: '2026-01-02T00:00:00.000Z',
    finishedAt: '2026-01-02T00:01:00.000Z',
    findingsTruncated: false,
    counts: {
      pages: 0,
      items: 0,
      intents: 0,
      orders: 0,
      findings: 0,
      repairsSent: 0,
      ignored: 0,
      stripeCalls: 0,
    },
    byKind: {},
    totals: {},
    unresolved: 0,
    findings: [],
  };
}

/** Every file and folder under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map((entry) => entry.toString()).sort();
}

function expectInvalidReportId(error: unknown): void {
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect(error).toMatchObject({ type: 'InvalidReportId', nonRetryable: true });
}

describe('report ids on the write side', () => {
  let root: string;
  let dataDir: string;

  beforeEach(() => {
    // root/ holds DATA_DIR (root/data) and what a traversing id would reach: root/victim.parts, root/etc.
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'report-ids-'));
    dataDir = path.join(root, 'data');
    fs.mkdirSync(path.join(dataDir, 'reports'), { recursive: true });
    fs.mkdirSync(path.join(root, 'victim.parts'));
    fs.writeFileSync(path.join(root, 'victim.parts', 'stripe-00000000.json'), JSON.stringify([finding]));
    fs.writeFileSync(path.join(root, 'victim.parts', 'keep.txt'), 'precious');
    fs.mkdirSync(path.join(root, 'etc'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('knows a report id (a run id) from anything that could leave the reports folder', () => {
    expect(isValidReportId('0b9f6a52-5c1e-4d8e-9a0b-6f1f3d2c7e11')).toBe(true);
    expect(isValidReportId('r-3')).toBe(true);
    for (const id of BAD_IDS) expect({ id, valid: isValidReportId(id) }).toEqual({ id, valid: false });
    expect(isValidReportId('a'.repeat(129))).toBe(false);
    expect(isValidReportId(undefined)).toBe(false);
  });

  it('builds no path from an invalid id: the failure is non-retryable', () => {
    for (const id of BAD_IDS) {
      for (const build of [reportFilePath, reportPartsDir]) {
        let thrown: unknown;
        try {
          build(dataDir, id);
        } catch (error) {
          thrown = error;
        }
        expectInvalidReportId(thrown);
      }
    }
    expect(reportFilePath(dataDir, 'r-1')).toBe(path.join(dataDir, 'reports', 'r-1.json'));
    expect(reportPartsDir(dataDir, 'r-1')).toBe(path.join(dataDir, 'reports', 'r-1.parts'));
  });

  it('writePart, writeSeenIntents, readParts, readSeenIntents and writeReport refuse an invalid id and touch nothing', async () => {
    const before = tree(root);
    for (const id of BAD_IDS) {
      const attempts: Array<() => Promise<unknown>> = [
        () => writePart(dataDir, id, 'stripe', 0, [finding]),
        () => writePart(dataDir, id, 'stripe', 0, []), // the "no findings" branch deletes a file
        () => writeSeenIntents(dataDir, id, 0, ['pi_1']),
        () => readParts(dataDir, id),
        () => readSeenIntents(dataDir, id),
        () => writeReport(dataDir, reportOf(id)),
      ];
      for (const attempt of attempts) expectInvalidReportId(await attempt().catch((error: unknown) => error));
    }
    // Nothing written, moved or deleted: not root/victim.parts (the recursive delete), root/etc or the reports folder.
    expect(tree(root)).toEqual(before);
    expect(fs.readFileSync(path.join(root, 'victim.parts', 'keep.txt'), 'utf8')).toBe('precious');
    expect(fs.existsSync(path.join(root, 'victim.json'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'etc', 'x.parts'))).toBe(false);
  });

  it('still writes and assembles a valid run inside DATA_DIR/reports', async () => {
    const id = '0b9f6a52-5c1e-4d8e-9a0b-6f1f3d2c7e11';
    await writePart(dataDir, id, 'stripe', 0, [finding]);
    await writeSeenIntents(dataDir, id, 0, ['pi_1']);
    expect([...(await readSeenIntents(dataDir, id))]).toEqual(['pi_1']);
    const { reportFile, findings } = await writeReport(dataDir, reportOf(id));
    expect(reportFile).toBe(path.join(dataDir, 'reports', `${id}.json`));
    expect(findings).toBe(1);
    expect(tree(path.join(dataDir, 'reports'))).toEqual([`${id}.json`]);
  });

  describe('the reconciliation activities', () => {
    function activities() {
      const unused = new Proxy(
        {},
        {
          get() {
            throw new Error('no client should be used for an invalid report id');
          },
        },
      );
      return createReconciliationActivities({
        monstock: unused,
        stripe: unused as Stripe,
        matcher: unused,
        deliverToOrder: async () => {
          throw new Error('no repair should be sent for an invalid report id');
        },
        reconciliation: { dataDir, stripeRateLimitPerSecond: 25 },
      } as unknown as ReconciliationClients);
    }

    function pagesInput(reportId: string): ReconcilePagesInput {
      return {
        connectionId: 'default',
        reportId,
        window: { from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z' },
        pageSeq: 0,
        maxPages: 5,
        pageSize: 100,
        keepFindings: 50,
        repair: true,
        checkOrderIntents: false,
      };
    }

    it('fail at once, non-retryably, before reading a page or sending a repair', async () => {
      const before = tree(root);
      const acts = activities();
      const quiet = {
        log: () => undefined,
        trace: () => undefined,
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      };
      const env = new MockActivityEnvironment({}, { logger: quiet });
      for (const id of ['../../etc/x', 'a/b', '../victim']) {
        expectInvalidReportId(
          await env.run(acts.reconcileStripePages, pagesInput(id)).catch((error: unknown) => error),
        );
        expectInvalidReportId(
          await env.run(acts.reconcileMonstockPages, pagesInput(id)).catch((error: unknown) => error),
        );
        expectInvalidReportId(
          await env.run(acts.replayFailedStripeEvents, pagesInput(id)).catch((error: unknown) => error),
        );
        expectInvalidReportId(
          await env
            .run(acts.checkReconciliationRetention, { connectionId: 'default', reportId: id })
            .catch((error: unknown) => error),
        );
        expectInvalidReportId(
          await env.run(acts.writeReconciliationReport, reportOf(id)).catch((error: unknown) => error),
        );
      }
      expect(tree(root)).toEqual(before);
    });
  });
});
