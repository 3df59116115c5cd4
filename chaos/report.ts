import type { OutboxStats } from '../sandbox/kit/webhookOutbox';
import type { Problem } from './checker';
import type { CrossedItem } from './crossed';
import type { FaultCounts } from './faultRunner';

/** The chaos run's verdict, printed as the last stdout line of `npm run chaos`. */
export interface WebhookFaultCounts {
  dropped: number;
  duplicated: number;
  reordered: number;
  delayed: number;
}

export interface ChaosReport {
  ok: boolean;
  ordersChecked: number;
  lost: number;
  duplicated: number;
  wrongStatus: number;
  /** Movements of another order, or of an intent the shop did not create for the order. */
  wrongOrder: number;
  /** Stripe disagreeing with the shop's ledger: the run's premise broken (must be 0 too). */
  ledgerMismatch: number;
  /** From the faults stopping to every order matching Stripe; null when that never happened in time. */
  convergeSeconds: number | null;
  convergedBeforeReconciliation: boolean;
  /** How many connections the run served: `default` and those added while the stack ran. */
  connections: number;
  /** Anything of one connection found in another's Monstock tenant or Stripe account (crossed.ts). */
  crossed: number;
  perConnection: PerConnectionReport[];
  faults: FaultCounts & {
    webhooks: WebhookFaultCounts & { stripe: WebhookFaultCounts; monstock: WebhookFaultCounts };
    /** Monstock API requests answered 5xx / 429 by the knobs (when the sandbox counts them). */
    monstockAnswered?: { serverErrors: number; rateLimited: number };
    /** Exits nobody asked for, each followed by a restart (as a supervisor would). */
    unexpectedExits: { worker: number; webhookServer: number };
  };
  reconciliation: {
    seconds: number;
    items?: number;
    findings?: number;
    repairsSent?: number;
    unresolved?: number;
    byKind?: Record<string, number>;
    error?: string;
  };
  run: {
    seed: number;
    orders: number;
    stories: Record<string, number>;
    movementsExpected: number;
    driveSeconds: number;
    totalSeconds: number;
    webhooksDelivered: { stripe: number; monstock: number };
  };
  /** The first problems found by the final check, for a person to start from. */
  problems: Problem[];
  /** The first crossed items, likewise (only when some were found). */
  crossedItems?: CrossedItem[];
}

/** One connection's line: its orders judged against its own tenant and Stripe account. */
export interface PerConnectionReport {
  id: string;
  stripe: 'environment' | 'key' | 'connected';
  ordersChecked: number;
  lost: number;
  duplicated: number;
  wrongStatus: number;
  wrongOrder: number;
  ledgerMismatch: number;
  /** Crossed items found in this connection's tenant or account. */
  crossed: number;
  /** What the crossed check read of this connection's tenant and account (several connections only). */
  recordsRead?: {
    monstockOrders: number;
    monstockCustomers: number;
    stripeIntents: number;
    stripeRefunds: number;
    stripeCustomers: number;
  };
  reconciliation: { seconds: number; items?: number; findings?: number; unresolved?: number; error?: string };
}

export function webhookFaultCounts(stats: OutboxStats): WebhookFaultCounts {
  return { dropped: stats.dropped, duplicated: stats.duplicated, reordered: stats.reordered, delayed: stats.delayed };
}

export function sumWebhookFaults(a: WebhookFaultCounts, b: WebhookFaultCounts): WebhookFaultCounts {
  return {
    dropped: a.dropped + b.dropped,
    duplicated: a.duplicated + b.duplicated,
    reordered: a.reordered + b.reordered,
    delayed: a.delayed + b.delayed,
  };
}
