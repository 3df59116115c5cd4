import { CHAOS_USAGE, ChaosArgsError, parseChaosArgs } from '../../chaos/args';
import { findCrossed, type ConnectionRecords } from '../../chaos/crossed';
import { combineReconciliations } from '../../chaos/reconcileAll';
import type { ReconciliationReport } from '../../src/shared/reconciliation';

/** `npm run chaos -- --connections N` and its crossed check (chaos/crossed.ts), without a stack. */
describe('chaos --connections', () => {
  it('defaults to one connection and takes 1 to 10', () => {
    expect(parseChaosArgs([], () => 1).connections).toBe(1);
    expect(parseChaosArgs(['--connections', '3'], () => 1).connections).toBe(3);
    expect(parseChaosArgs(['--connections', '10', '--orders', '30'], () => 1)).toMatchObject({
      connections: 10,
      orders: 30,
    });
    for (const bad of [['--connections'], ['--connections', '0'], ['--connections', '11'], ['--connections', '2.5']])
      expect(() => parseChaosArgs(bad, () => 1)).toThrow(ChaosArgsError);
    expect(CHAOS_USAGE).toContain('--connections N');
  });
});

/** Two merchants, each holding only its own: `a` (tenant orders ord_a1, customer mcu_a) and `b`. */
function records(): [ConnectionRecords, ConnectionRecords] {
  return [
    {
      id: 'default',
      monstock: {
        orders: [{ id: 'ord_a1', movementRefs: ['pi_a1', 're_a1'], externalRefs: { stripePaymentIntentId: 'pi_a1' } }],
        customers: [{ id: 'mcu_a', externalRefs: { stripeCustomerId: 'cus_a' } }],
        refundRequestIds: ['rfq_a'],
      },
      stripe: {
        intents: [{ id: 'pi_a1', metadata: { monstock_order_id: 'ord_a1' } }],
        refunds: [{ id: 're_a1', metadata: { monstock_refund_request_id: 'rfq_a' } }],
        customers: [{ id: 'cus_a', metadata: { monstock_customer_id: 'mcu_a' } }],
        otherIds: ['ch_a1'],
      },
    },
    {
      id: 'chaos-x-2',
      monstock: {
        orders: [{ id: 'ord_b1', movementRefs: ['pi_b1'], externalRefs: {} }],
        customers: [{ id: 'mcu_b', externalRefs: { stripeCustomerId: 'cus_b' } }],
        refundRequestIds: [],
      },
      stripe: {
        intents: [{ id: 'pi_b1', metadata: { monstock_order_id: 'ord_b1' } }],
        refunds: [],
        customers: [{ id: 'cus_b', metadata: { monstock_customer_id: 'mcu_b' } }],
        otherIds: ['ch_b1', 'dp_b1'],
      },
    },
  ];
}

describe('crossed', () => {
  it('finds nothing when each side holds only its own, nor for ids no one holds', () => {
    const [a, b] = records();
    expect(findCrossed([a, b])).toEqual([]);
    const unknown = records();
    (unknown[0].monstock.orders[0]!.movementRefs as string[]).push('pi_nobody');
    expect(findCrossed(unknown)).toEqual([]);
  });

  it("counts a tenant's movement, link or customer naming another account's Stripe object", () => {
    const [a, b] = records();
    (a.monstock.orders[0]!.movementRefs as string[]).push('dp_b1');
    (b.monstock.orders[0]!.externalRefs as Record<string, string>).stripePaymentIntentId = 'pi_a1';
    (b.monstock.customers[0]!.externalRefs as Record<string, string>).stripeCustomerId = 'cus_a';
    const crossed = findCrossed([a, b]);
    expect(crossed.map(({ holder, belongsTo, ref }) => ({ holder, belongsTo, ref }))).toEqual([
      { holder: 'default', belongsTo: 'chaos-x-2', ref: 'dp_b1' },
      { holder: 'chaos-x-2', belongsTo: 'default', ref: 'pi_a1' },
      { holder: 'chaos-x-2', belongsTo: 'default', ref: 'cus_a' },
    ]);
  });

  it("counts an account's intent, refund or customer naming another tenant's order, request or customer", () => {
    const [a, b] = records();
    (b.stripe.intents as Array<{ id: string; metadata: Record<string, string> }>).push({
      id: 'pi_b2',
      metadata: { monstock_order_id: 'ord_a1' },
    });
    (b.stripe.refunds as Array<{ id: string; metadata: Record<string, string> }>).push({
      id: 're_b2',
      metadata: { monstock_refund_request_id: 'rfq_a' },
    });
    (a.stripe.customers[0]!.metadata as Record<string, string>).monstock_customer_id = 'mcu_b';
    const crossed = findCrossed([a, b]);
    expect(crossed.map(({ holder, belongsTo, ref }) => ({ holder, belongsTo, ref }))).toEqual([
      { holder: 'default', belongsTo: 'chaos-x-2', ref: 'mcu_b' },
      { holder: 'chaos-x-2', belongsTo: 'default', ref: 'ord_a1' },
      { holder: 'chaos-x-2', belongsTo: 'default', ref: 'rfq_a' },
    ]);
  });
});

describe('reconciliation of every connection', () => {
  const report = (connectionId: string, items: number, unresolved: number) =>
    ({
      connectionId,
      counts: {
        pages: 1,
        items,
        intents: items,
        orders: items,
        findings: unresolved,
        repairsSent: 0,
        ignored: 0,
        stripeCalls: 3,
      },
      byKind: unresolved > 0 ? { payment_missing_on_order: unresolved } : {},
      unresolved,
    }) as unknown as ReconciliationReport;

  it('sums the connections, and names the one whose run failed', () => {
    const combined = combineReconciliations([
      { connectionId: 'default', outcome: { exitCode: 0, report: report('default', 10, 0), seconds: 1.2 } },
      { connectionId: 'chaos-x-2', outcome: { exitCode: 1, report: report('chaos-x-2', 5, 2), seconds: 2.3 } },
    ]);
    expect(combined).toMatchObject({ exitCode: 1, seconds: 3.5 });
    expect(combined.report).toMatchObject({
      counts: { items: 15, findings: 2, stripeCalls: 6 },
      byKind: { payment_missing_on_order: 2 },
      unresolved: 2,
    });
    const failed = combineReconciliations([
      { connectionId: 'default', outcome: { exitCode: 0, report: report('default', 10, 0), seconds: 1 } },
      { connectionId: 'chaos-x-2', outcome: { exitCode: 2, report: undefined, seconds: 1, error: 'timed out' } },
    ]);
    expect(failed).toMatchObject({ report: undefined, error: 'connection chaos-x-2: timed out' });
  });
});
