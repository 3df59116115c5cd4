import { z } from 'zod';
import type { AdminRoute, ApiRoute, SandboxContext } from './context';
import { ok } from './context';
import { invalidRequest, resourceMissing } from './errors';
import { availableOn, isZeroDecimal } from './fees';
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

/**
 * The account's settlement currency, as `POST /_sandbox/settlement` sets it: by default none, and
 * every movement settles in its own currency. Set, a movement in another currency is converted
 * at `rate` (units of the settlement currency per unit of the movement's, Stripe's
 * `exchange_rate`): amount and fee each converted and rounded to a whole minor unit, net their
 * difference, `exchange_rate` on the balance transaction. Kept per sandbox (its store), in memory.
 */
export interface Settlement {
  currency: string;
  rate: number;
}

const settlements = new WeakMap<object, Settlement>();

/** Back to settling every movement in its own currency (the sandbox's reset). */
export function clearSettlement(ctx: Pick<SandboxContext, 'store'>): void {
  settlements.delete(ctx.store);
}

export function settlementOf(ctx: Pick<SandboxContext, 'store'>): Settlement | undefined {
  return settlements.get(ctx.store);
}

/** `amount` minor units of `from` in minor units of `to`, at `rate` units of `to` per unit of `from`. */
export function convertMinor(amount: number, from: string, to: string, rate: number): number {
  const scale = (currency: string) => (isZeroDecimal(currency) ? 1 : 100);
  return Math.round((amount / scale(from)) * rate * scale(to));
}

export function recordBalanceTransaction(ctx: SandboxContext, entry: LedgerEntry): BalanceTransaction {
  const created = ctx.clock.nowSeconds();
  const settlement = settlementOf(ctx);
  const converted = settlement && settlement.currency !== entry.currency.toLowerCase() ? settlement : undefined;
  const convert = (value: number) =>
    converted ? convertMinor(value, entry.currency, converted.currency, converted.rate) : value;
  const amount = convert(entry.amount);
  const fee = convert(entry.fee ?? 0);
  const feeDetails = (entry.feeDetails ?? []).map((detail) =>
    converted ? { ...detail, amount: convert(detail.amount), currency: converted.currency } : detail,
  );
  const transaction: BalanceTransaction = {
    id: newId('txn'),
    object: 'balance_transaction',
    amount,
    available_on: amount > 0 ? availableOn(created) : created,
    balance_type: 'payments',
    created,
    currency: converted ? converted.currency : entry.currency,
    description: entry.description,
    exchange_rate: converted ? converted.rate : null,
    fee,
    fee_details: feeDetails,
    net: amount - fee,
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

const settlementBody = z
  .object({
    /** ISO 4217, any case; `null` settles every movement in its own currency again. */
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/)
      .nullable(),
    rate: z.number().positive().max(1_000_000).optional(),
  })
  .strict();

/** Admin routes to read and set the account's settlement currency (see Settlement). */
export function settlementAdminRoutes(ctx: SandboxContext): AdminRoute[] {
  const state = () => {
    const settlement = settlementOf(ctx);
    return settlement ? { currency: settlement.currency, rate: settlement.rate } : { currency: null, rate: null };
  };
  return [
    { method: 'GET', path: '/_sandbox/settlement', handler: () => ok(state()) },
    {
      method: 'POST',
      path: '/_sandbox/settlement',
      handler: ({ body }) => {
        const parsed = settlementBody.safeParse(body);
        if (!parsed.success) throw invalidRequest(z.prettifyError(parsed.error), 'currency');
        const { currency, rate } = parsed.data;
        if (currency === null) settlements.delete(ctx.store);
        else if (rate === undefined) throw invalidRequest('rate is required with a currency', 'rate');
        else settlements.set(ctx.store, { currency: currency.toLowerCase(), rate });
        ctx.logger.info('sandbox settlement currency set', state());
        return ok(state());
      },
    },
  ];
}
