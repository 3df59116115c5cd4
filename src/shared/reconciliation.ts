import { defineQuery } from '@temporalio/workflow';

/**
 * The contract between starters (the schedule, a CLI, pages) and `reconciliationWorkflow`: its
 * input, result, query and the finding kinds. Starters import this module, never the workflow code.
 */
export const RECONCILIATION_WORKFLOW_TYPE = 'reconciliationWorkflow';

export const FINDING_KINDS = [
  'payment_missing_on_order',
  'amount_mismatch',
  'currency_mismatch',
  'status_mismatch',
  'fee_missing',
  'refund_missing',
  'dispute_missing',
  'paid_without_stripe_money',
  'unmatched_payment',
  'order_without_intent',
  'authorization_expired',
  'authorization_expiring',
  'authentication_abandoned',
  'refund_request_without_refund',
  'refund_without_request',
  'refund_request_status_mismatch',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/**
 * What the run did about a finding: a repair handed to the order workflow (signal-with-start),
 * the unmatched-payment workflow told to look again, an order change sent so the order workflow
 * aligns Stripe, only reported (unsafe to guess), or nothing because repairs were off.
 */
export type FindingAction = 'repair_sent' | 'unmatched_signalled' | 'order_change_sent' | 'reported' | 'not_repaired';

export interface ReconciliationFinding {
  kind: FindingKind;
  /** true: Monstock is missing or behind Stripe's truth, and the order workflow can write it. */
  repairable: boolean;
  action: FindingAction;
  paymentIntentId?: string;
  orderId?: string;
  /** The movement concerned (pi_, ch_, re_, dp_ or whatever Monstock holds). */
  transactionRef?: string;
  movementKind?: 'payment' | 'refund' | 'dispute';
  currency?: string;
  stripe?: { status?: string; amount?: number; currency?: string };
  monstock?: { status?: string; amount?: number; currency?: string };
  /** The Monstock refund request concerned (rfq_...), for the refund-request kinds. */
  refundRequestId?: string;
  /** When the card authorisation lapses or lapsed (ISO 8601), for the authorisation kinds. */
  expiresAt?: string;
  detail: string;
}

export interface ReconciliationWindow {
  /** Inclusive, ISO 8601. */
  from: string;
  /** Exclusive, ISO 8601. */
  to: string;
}

export interface CurrencyTotals {
  /** Succeeded payments in Stripe, minor units. */
  stripeCollected: number;
  /** What Monstock records as succeeded for the same payments (plus Stripe-labelled money Stripe does not know). */
  monstockRecorded: number;
  refunded: number;
  disputed: number;
  /** monstockRecorded - stripeCollected. */
  difference: number;
}

export type TotalsByCurrency = Record<string, CurrencyTotals>;

/**
 * Collected (Stripe) and recorded (Monstock) per UTC day of the payment and per currency: the report page's daily
 * chart.
 */
export interface DailyAmounts {
  collected: number;
  recorded: number;
}
export type DailyTotals = Record<string, Record<string, DailyAmounts>>;
export type FindingCounts = Partial<Record<FindingKind, number>>;

export interface ReconciliationOptions {
  /** Hand repairable findings to the order workflows (default true); false only reports. */
  repair?: boolean;
  /**
   * Replay the window's Stripe events that failed delivery through the order workflows, as the
   * webhook would have (default: as `repair`). A run that only reports does not replay.
   */
  replayFailedEvents?: boolean;
  /**
   * Report orders with an amount due and no payment intent (default false; the schedule passes
   * STRIPE_CREATE_PAYMENT_INTENTS).
   */
  checkOrderIntents?: boolean;
  /** Findings kept in the workflow result and history (default 50); all of them go to the report file. */
  maxFindingsInResult?: number;
  /** Pages (of 100) read by one activity call (default 5). */
  pagesPerActivity?: number;
  /** Stripe page size (default 100). */
  pageSize?: number;
  /** Activity calls before continue-as-new (default: when Temporal suggests it or ~2,000 events). */
  activityCallsPerRun?: number;
}

export interface ReconciliationWorkflowInput {
  connectionId: string;
  /** The window to compare. Unset (the schedule): the `windowHours` before the scheduled time. */
  window?: ReconciliationWindow;
  windowHours?: number;
  options?: ReconciliationOptions;
  carried?: ReconciliationCarried;
}

/** `events`: the window's Stripe events that failed delivery, replayed through the order workflows. */
export type ReconciliationPhase = 'stripe' | 'monstock' | 'events' | 'report' | 'done';

export interface ReconciliationCounts {
  pages: number;
  /** Payment intents and orders compared. */
  items: number;
  intents: number;
  orders: number;
  findings: number;
  repairsSent: number;
  ignored: number;
  /** Requests sent to Stripe (retries included): the run's cost against Stripe's rate limit. */
  stripeCalls: number;
}

/** What one run hands the next on continue-as-new: where the walk is, and what it has found so far. */
export interface ReconciliationCarried {
  reportId: string;
  window: ReconciliationWindow;
  startedAt: string;
  phase: ReconciliationPhase;
  stripeCursor?: string;
  monstockCursor?: string;
  /** The failed-delivery events walk: the last event id read (starting_after). */
  eventsCursor?: string;
  /** Failed-delivery events replayed so far. */
  replayedEvents?: number;
  /** Set once the previous good run was looked up (runs started before that existed lack it). */
  lastGoodRunAt?: string;
  warnings?: string[];
  /** Part files written so far (one per page): the report assembles them. */
  pageSeq: number;
  counts: ReconciliationCounts;
  byKind: FindingCounts;
  totals: TotalsByCurrency;
  /** Unset in runs carried over from before daily totals existed. */
  daily?: DailyTotals;
  firstFindings: ReconciliationFinding[];
  /** Findings left for a person (reported, not repaired, or unmatched), over the whole run. */
  unresolved: number;
  run: number;
}

export interface ReconciliationProgress {
  reportId: string;
  window: ReconciliationWindow;
  phase: ReconciliationPhase;
  pages: number;
  items: number;
  findings: number;
  unresolved: number;
  repairsSent: number;
  byKind: FindingCounts;
  /** Items per second since the run started. */
  rate: number;
  startedAt: string;
  run: number;
  /** Failed-delivery events replayed so far. */
  replayedEvents?: number;
  warnings?: string[];
}

/** What a run has counted so far: each page walk returns one, and the report adds them up. */
export interface ReconciliationTally {
  counts: ReconciliationCounts;
  byKind: FindingCounts;
  totals: TotalsByCurrency;
  /** The same money per UTC day of the payment (runs from before it existed lack it). */
  daily?: DailyTotals;
  /** Findings a person must look at (not repaired). */
  unresolved: number;
  /** The first findings (a bounded list); all of them are in the part files and the report file. */
  findings: ReconciliationFinding[];
}

export interface ReconciliationReport extends ReconciliationTally {
  reportId: string;
  connectionId: string;
  window: ReconciliationWindow;
  startedAt: string;
  finishedAt: string;
  findingsTruncated: boolean;
  /** DATA_DIR/reports/<reportId>.json: this report with every finding. */
  reportFile?: string;
  /**
   * Stripe events of the window that had failed delivery, handed again to the order (or unmatched-payment) workflows.
   */
  replayedEvents?: number;
  /** The previous successful run's finish time (unset: none found). */
  lastGoodRunAt?: string;
  /** Loud warnings for a person: no previous good run, or one older than Stripe's 30 days of events. */
  warnings?: string[];
}

export const reconciliationProgressQuery = defineQuery<ReconciliationProgress>('reconciliationProgress');

/**
 * A report id as the workflow makes them (its run id, a UUID): letters, digits, dashes and
 * underscores only, so nothing that could leave DATA_DIR/reports once it is part of a file name.
 * Here, not in src/reports, because the workflow checks the id it is handed too.
 */
export function isValidReportId(reportId: unknown): reportId is string {
  return typeof reportId === 'string' && /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(reportId);
}

/** The synthetic event id of a repair: one per run and payment intent, so retries are one event. */
export function repairEventId(reportId: string, paymentIntentId: string): string {
  return `reconcile:${reportId}:${paymentIntentId}`;
}

export const REPAIR_EVENT_TYPE = 'reconciliation.repair';
