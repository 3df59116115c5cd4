import { runSmallChaos } from './smallChaosRun';

/**
 * `npm run chaos -- --connections 3` in small: the chaos run's own stack serving three merchants
 * at once, `default` (the environment) plus two connections added with `npm run connections --
 * add` while the stack runs, one with a Stripe key of its own, one a Connect account under the
 * platform key, each with its own Monstock tenant. 30 orders spread round-robin over them, under
 * the small run's faults (webhooks dropped, duplicated, reordered and delayed, Monstock 5xx then
 * 429, the worker SIGKILLed twice, the dev server restarted once). Every order must match its own
 * tenant and Stripe account, and nothing may have reached another merchant's, as the sandboxes
 * themselves show it.
 */
describe('chaos with three connections (small)', () => {
  it('ends with every order matching its own Stripe account, and nothing crossed', async () => {
    const started = Date.now();
    const { report, lines } = await runSmallChaos(30, 20261130, { connections: 3 });
    const { ok, ordersChecked, lost, duplicated, wrongStatus, wrongOrder, ledgerMismatch, crossed, perConnection } =
      report;
    process.stdout.write(
      `[chaos connections] ${Math.round((Date.now() - started) / 1000)} s: ${JSON.stringify({ ok, ordersChecked, lost, duplicated, wrongStatus, wrongOrder, ledgerMismatch, crossed, perConnection, faults: report.faults })}\n`,
    );
    if (!ok)
      process.stdout.write(
        `[chaos connections] progress:\n${lines.join('\n')}\n[chaos connections] problems: ${JSON.stringify([...report.problems, ...(report.crossedItems ?? [])], null, 1)}\n`,
      );

    expect({
      ordersChecked,
      lost,
      duplicated,
      wrongStatus,
      wrongOrder,
      ledgerMismatch,
      crossed,
      problems: report.problems,
      crossedItems: report.crossedItems ?? [],
    }).toEqual({
      ordersChecked: 30,
      lost: 0,
      duplicated: 0,
      wrongStatus: 0,
      wrongOrder: 0,
      ledgerMismatch: 0,
      crossed: 0,
      problems: [],
      crossedItems: [],
    });
    expect(report.convergeSeconds).not.toBeNull();
    expect(report.ok).toBe(true);
    expect(report.connections).toBe(3);
    // Each connection had its own orders judged, in its own tenant and account, and reconciled.
    expect(perConnection.map((line) => line.stripe)).toEqual(['environment', 'key', 'connected']);
    expect(new Set(perConnection.map((line) => line.id)).size).toBe(3);
    for (const line of perConnection) {
      expect(line).toMatchObject({ ordersChecked: 10, lost: 0, duplicated: 0, wrongStatus: 0, crossed: 0 });
      expect(line.reconciliation.error).toBeUndefined();
      expect(line.reconciliation.items).toBeGreaterThan(0);
      // The crossed check read each side's own records: its ten orders, and at least their intents.
      expect(line.recordsRead?.monstockOrders).toBe(10);
      expect(line.recordsRead?.stripeIntents).toBeGreaterThanOrEqual(10);
    }
    // The faults did happen.
    expect(report.faults).toMatchObject({
      workerKills: 2,
      devServerRestarts: 1,
      monstockErrorStretches: 1,
      monstock429Stretches: 1,
    });
    expect(report.faults.webhooks.duplicated + report.faults.webhooks.reordered).toBeGreaterThan(0);
    expect(report.reconciliation.error).toBeUndefined();
  }, 300_000);
});
