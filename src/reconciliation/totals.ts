import { CurrencyAmountError, toMonstockAmount, toMonstockCurrency } from '../payments/money';
import type { PaymentIntentSnapshot } from '../payments/paymentIntentSnapshot';
import type {
  CurrencyTotals,
  DailyAmounts,
  DailyTotals,
  FindingCounts,
  ReconciliationCounts,
  ReconciliationFinding,
  TotalsByCurrency,
} from '../shared/reconciliation';
import type { OrderFacts } from './compare';

/** Totals per currency, counts per kind, merged page after page: integers only, associative. */
export function emptyCounts(): ReconciliationCounts {
  return { pages: 0, items: 0, intents: 0, orders: 0, findings: 0, repairsSent: 0, ignored: 0, stripeCalls: 0 };
}

function emptyTotals(): CurrencyTotals {
  return { stripeCollected: 0, monstockRecorded: 0, refunded: 0, disputed: 0, difference: 0 };
}

export function addToTotals(
  totals: TotalsByCurrency,
  currency: string,
  more: Partial<Omit<CurrencyTotals, 'difference'>>,
): void {
  const entry = (totals[currency] ??= emptyTotals());
  entry.stripeCollected += more.stripeCollected ?? 0;
  entry.monstockRecorded += more.monstockRecorded ?? 0;
  entry.refunded += more.refunded ?? 0;
  entry.disputed += more.disputed ?? 0;
  entry.difference = entry.monstockRecorded - entry.stripeCollected;
}

export function mergeTotals(into: TotalsByCurrency, more: TotalsByCurrency): TotalsByCurrency {
  for (const [currency, entry] of Object.entries(more)) addToTotals(into, currency, entry);
  return into;
}

export function mergeCounts(into: ReconciliationCounts, more: Partial<ReconciliationCounts>): ReconciliationCounts {
  // A run carried over from before a count existed lacks it: it starts from 0.
  for (const key of Object.keys(emptyCounts()) as Array<keyof ReconciliationCounts>)
    into[key] = (into[key] ?? 0) + (more[key] ?? 0);
  return into;
}

export function mergeByKind(into: FindingCounts, more: FindingCounts): FindingCounts {
  for (const [kind, count] of Object.entries(more) as Array<[keyof FindingCounts, number]>)
    into[kind] = (into[kind] ?? 0) + count;
  return into;
}

export function countByKind(findings: readonly ReconciliationFinding[]): FindingCounts {
  return findings.reduce<FindingCounts>((counts, f) => mergeByKind(counts, { [f.kind]: 1 }), {});
}

/**
 * One intent's share of the totals: what Stripe collected, refunded and disputed on it, and what
 * Monstock records as succeeded for the same payment intent, all in Monstock minor units (Stripe's
 * amounts converted by toMonstockAmount). An intent whose amounts do not convert exactly adds
 * nothing: compareIntent reports it as an amount_mismatch for a person.
 */
export function intentTotals(
  totals: TotalsByCurrency,
  snapshot: PaymentIntentSnapshot,
  order: OrderFacts | undefined,
  daily?: DailyTotals,
): void {
  const currency = toMonstockCurrency(snapshot.currency);
  let collected: number, refunded: number, disputed: number;
  try {
    collected =
      snapshot.status === 'succeeded'
        ? toMonstockAmount(snapshot.amountReceived || snapshot.amount, snapshot.currency)
        : 0;
    refunded = snapshot.refunds
      .filter((r) => r.status === 'succeeded')
      .reduce((sum, r) => sum + toMonstockAmount(r.amount, r.currency), 0);
    disputed = snapshot.disputes.reduce((sum, d) => sum + toMonstockAmount(d.amount, d.currency), 0);
  } catch (error) {
    if (error instanceof CurrencyAmountError) return;
    throw error;
  }
  const recorded = (order?.payments ?? [])
    .filter((p) => p.kind === 'payment' && p.status === 'succeeded' && p.transactionRef === snapshot.id)
    .reduce((sum, p) => sum + p.amount, 0);
  addToTotals(totals, currency, { stripeCollected: collected, refunded, disputed, monstockRecorded: recorded });
  if (daily) addToDaily(daily, utcDay(snapshot.created * 1000), currency, { collected, recorded });
}

/** YYYY-MM-DD in UTC: a day means the same to every reader of the report, whatever their zone. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

export function addToDaily(daily: DailyTotals, day: string, currency: string, amounts: Partial<DailyAmounts>): void {
  const byCurrency = (daily[day] ??= {});
  const entry = (byCurrency[currency] ??= { collected: 0, recorded: 0 });
  entry.collected += amounts.collected ?? 0;
  entry.recorded += amounts.recorded ?? 0;
}

export function mergeDaily(into: DailyTotals, more: DailyTotals): DailyTotals {
  for (const [day, byCurrency] of Object.entries(more))
    for (const [currency, amounts] of Object.entries(byCurrency)) addToDaily(into, day, currency, amounts);
  return into;
}
