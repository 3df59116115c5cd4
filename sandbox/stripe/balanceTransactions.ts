import type { ApiRoute, SandboxContext } from './context';
import { ok } from './context';
import { resourceMissing } from './errors';
import { availableOn } from './fees';
import { newId } from './ids';
import { column, createdConditions, expandObject, field, LIST_PARAMS, listObjects, readPage } from './list';
import type { BalanceTransaction, BalanceTransactionType, FeeDetail, StripeObject } from './types';

/**
 * The ledger: one balance transaction per money movement (charge, refund, refund failure,
 * dispute withdrawal and reinstatement), with Stripe's `amount`/`fee`/`net` arithmetic.
 * Credits become available after the payout delay; debits count at once. `status` is worked out
 * when answered, so advancing the sandbox clock makes funds available.
 */
export interface LedgerEntry {
  amount: number;
  currency: string;
  type: BalanceTransactionType;
  reportingCategory: string;
  source: string;
  description: string | null;
  fee?: number;
  feeDetails?: FeeDetail[];
}

export function recordBalanceTransaction(ctx: SandboxContext, entry: LedgerEntry): BalanceTransaction {
  const created = ctx.clock.nowSeconds();
  const fee = entry.fee ?? 0;
  const transaction: BalanceTransaction = {
    id: newId('txn'),
    object: 'balance_transaction',
    amount: entry.amount,
    available_on: entry.amount > 0 ? availableOn(created) : created,
    balance_type: 'payments',
    created,
    currency: entry.currency,
    description: entry.description,
    exchange_rate: null,
    fee,
    fee_details: entry.feeDetails ?? [],
    net: entry.amount - fee,
    reporting_category: entry.reportingCategory,
    source: entry.source,
    status: 'pending',
    type: entry.type,
  };
  ctx.store.insert(transaction);
  return transaction;
}

export function presentBalanceTransaction(ctx: Pick<SandboxContext, 'clock'>) {
  return (object: StripeObject): StripeObject => {
    const transaction = object as unknown as BalanceTransaction;
    const status = transaction.available_on <= ctx.clock.nowSeconds() ? 'available' : 'pending';
    return { ...object, status };
  };
}

const TYPES = ['charge', 'refund', 'refund_failure', 'adjustment', 'payment', 'payment_refund'] as const;

export function balanceTransactionRoutes(ctx: SandboxContext): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/v1/balance_transactions',
      handler: ({ params }) => {
        params.allow([...LIST_PARAMS, 'created', 'currency', 'payout', 'source', 'type']);
        const type = params.oneOf('type', TYPES);
        const source = params.string('source', { max: 255 });
        const currency = params.string('currency', { max: 3 })?.toLowerCase();
        return ok(
          listObjects(ctx.store, {
            type: 'balance_transaction',
            url: '/v1/balance_transactions',
            page: readPage(params),
            conditions: [
              ...(type ? [field('type', type)] : []),
              ...(source ? [column('lookup', source)] : []),
              ...(currency ? [field('currency', currency)] : []),
              ...createdConditions(params.created()),
            ],
            expand: params.expand(),
            present: ctx.present,
          }),
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/balance_transactions/:id',
      handler: ({ params, path }) => {
        params.allow([]);
        const transaction = ctx.store.find<BalanceTransaction>('balance_transaction', path.id as string);
        if (!transaction) throw resourceMissing('balance_transaction', path.id as string);
        return ok(expandObject(ctx.store, ctx.present(transaction), params.expand(), ctx.present));
      },
    },
    {
      method: 'GET',
      path: '/v1/balance',
      handler: ({ params }) => {
        params.allow([]);
        const totals = new Map<string, { available: number; pending: number }>();
        for (const stored of ctx.store.all<BalanceTransaction>('balance_transaction')) {
          const transaction = ctx.present(stored) as unknown as BalanceTransaction;
          const bucket = totals.get(transaction.currency) ?? { available: 0, pending: 0 };
          bucket[transaction.status] += transaction.net;
          totals.set(transaction.currency, bucket);
        }
        const rows = [...totals.entries()];
        return ok({
          object: 'balance',
          available: rows.map(([currency, bucket]) => ({
            amount: bucket.available,
            currency,
            source_types: { card: bucket.available },
          })),
          livemode: false,
          pending: rows.map(([currency, bucket]) => ({
            amount: bucket.pending,
            currency,
            source_types: { card: bucket.pending },
          })),
        });
      },
    },
  ];
}
