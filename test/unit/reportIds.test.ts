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
  type DatabaseSource,
} from '../../src/activities/reconciliation/reportFiles';
import { isValidReportId } from '../../src/reports/reportPaths';
import type { Database } from '../../src/store/database';
import type { ReconciliationFinding, ReconciliationReport } from '../../src/shared/reconciliation';

/**
 * The report id reaches the stored reports and parts straight from workflow input (and the
 * pages' URLs): an id that is not one must be refused, non-retryably, before the database is
 * even asked for. (Storing and assembling a valid run: test/integration/sharedStore.test.ts.)
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

/** A database no call may reach: every use fails the test. */
let databaseAsked = 0;
const refusingDatabase: DatabaseSource = async () => {
  databaseAsked += 1;
  throw new Error('no database should be asked for an invalid report id');
};
const unusedPool = new Proxy(
  {},
  {
    get(_target, property) {
      if (property === 'then') return undefined;
      databaseAsked += 1;
      throw new Error(`no database should be used for an invalid report id (asked for ${String(property)})`);
    },
  },
) as Database;

function expectInvalidReportId(error: unknown): void {
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect(error).toMatchObject({ type: 'InvalidReportId', nonRetryable: true });
}

describe('report ids on the write side', () => {
  beforeEach(() => {
    databaseAsked = 0;
  });

  it('knows a report id (a run id) from anything that could leave the reports folder', () => {
    expect(isValidReportId('0b9f6a52-5c1e-4d8e-9a0b-6f1f3d2c7e11')).toBe(true);
    expect(isValidReportId('r-3')).toBe(true);
    for (const id of BAD_IDS) expect({ id, valid: isValidReportId(id) }).toEqual({ id, valid: false });
    expect(isValidReportId('a'.repeat(129))).toBe(false);
    expect(isValidReportId(undefined)).toBe(false);
  });

  it('writePart, writeSeenIntents, readParts, readSeenIntents and writeReport refuse an invalid id before asking for the database', async () => {
    for (const id of BAD_IDS) {
      const attempts: Array<() => Promise<unknown>> = [
        () => writePart(refusingDatabase, id, 'stripe', 0, [finding]),
        () => writePart(refusingDatabase, id, 'stripe', 0, []), // the "no findings" branch deletes a part
        () => writeSeenIntents(refusingDatabase, id, 0, ['pi_1']),
        () => readParts(refusingDatabase, id),
        () => readSeenIntents(refusingDatabase, id),
        () => writeReport(refusingDatabase, reportOf(id)),
      ];
      for (const attempt of attempts) expectInvalidReportId(await attempt().catch((error: unknown) => error));
    }
    expect(databaseAsked).toBe(0);
  });

  it('asks for the database once the id is valid (so the refusals above are the id check, not a broken database)', async () => {
    const error = await writePart(refusingDatabase, 'r-1', 'stripe', 0, [finding]).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/no database should be asked/);
    expect(databaseAsked).toBe(1);
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
        reconciliation: { database: unusedPool, stripeRateLimitPerSecond: 25 },
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
      expect(databaseAsked).toBe(0);
    });
  });
});
