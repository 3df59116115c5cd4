import type { MovementKind, MovementStatus, Order, Payment } from '../src/monstock/schemas';
// Monstock's own rules for an order's money summary (the PaymentStatus schema), as its sandbox
// implements them: the checker judges the connector, not Monstock, so it takes Monstock's rules
// as given instead of restating them (and drifting). Nothing of the connector's code is used.
import { summarizePayments } from '../sandbox/monstock/paymentStatus';
import type { LedgerEntry, LedgerIndex, LedgerIntent } from './ledger';
import { askedThroughMonstock, merchantMonstockProblems, merchantStripeProblems } from './merchantChecks';
import type { RefundRequest } from '../src/monstock/schemas';
import {
  ORDER_METADATA_KEY,
  type BalanceFacts,
  type ChargeFacts,
  type IntentFacts,
  type RefOwner,
} from './stripeFacts';

/**
 * The chaos run's judge, pure and independent of the connector: what each order should show is
 * worked out here from the shop's ledger (what the driver did: the intents it created for the
 * order, the amounts and currencies, the declines, refunds and disputes) completed by Stripe's
 * objects read fresh (fees and nets from balance transactions, the payment method from the
 * charge, when each thing happened from the object's `created`), and compared field by field with
 * what Monstock shows.
 *
 * - lost: a movement the shop caused (payment, declined attempt, refund, dispute) missing on the order;
 * - duplicated: one movement recorded more than once, or more money recorded as paid than paid;
 * - wrongStatus: a movement whose amount, currency, status, fee, net, method or occurredAt differs,
 *   the order's totalAmount / paymentStatus / amountPaid / amountRefunded differing from what the
 *   ledger implies, or a movement with nothing behind it in Stripe;
 * - wrongOrder: a movement of another order, or of an intent the shop did not create for this
 *   order, or whose intent's metadata names another order (or none);
 * - ledgerMismatch: Stripe disagrees with the shop's ledger (an intent, refund or dispute missing or
 *   different in Stripe, metadata not naming the order): the run's premise is broken, not
 *   necessarily the connector; transient while Stripe finishes something the shop started (a
 *   dispute decided shortly after the evidence).
 */
export const PROBLEM_KINDS = ['lost', 'duplicated', 'wrongStatus', 'wrongOrder', 'ledgerMismatch'] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export interface Problem {
  orderId: string;
  kind: ProblemKind;
  /** The Stripe id concerned, when the problem is about one movement. */
  ref?: string;
  /** For a movement shown with wrong values: which fields. */
  fields?: string[];
  detail: string;
}

export interface OrderEvidence {
  /** What the shop did for this order. */
  entry: LedgerEntry;
  /** Undefined when Monstock could not show the order at all. */
  monstock:
    | (Pick<Order, 'totalAmount' | 'paymentStatus' | 'amountPaid' | 'amountRefunded' | 'payments'> &
        Partial<Pick<Order, 'status'>>)
    | undefined;
  /** The order's refund requests as Monstock shows them (read only for orders the shop asked refunds for). */
  refundRequests?: readonly RefundRequest[];
  /** Stripe's fresh view of each of the ledger's intents for this order (one missing: Stripe does not know it). */
  stripe: readonly IntentFacts[];
  /**
   * Where Stripe says ids belong that the order shows but neither the ledger nor this order's
   * intents explain (read by evidence.ts only for such ids).
   */
  owners?: Readonly<Record<string, RefOwner>>;
}

export interface CheckResult {
  ordersChecked: number;
  /** Movements the ledger implies across those orders. */
  movementsChecked: number;
  lost: number;
  duplicated: number;
  wrongStatus: number;
  wrongOrder: number;
  ledgerMismatch: number;
  problems: Problem[];
}

/** How a field of a movement is judged. */
export type Rule<T> =
  | { rule: 'equal'; value: T }
  /** Optional: absent is fine, shown must be this. */
  | { rule: 'ifShown'; value: T }
  | { rule: 'absent' }
  /** Stripe could not tell (its object missing): not judged. */
  | { rule: 'unchecked' };

export interface ExpectedMovement {
  kind: MovementKind;
  transactionRef: string;
  amount: number;
  /** Monstock's form (upper case). */
  currency: string;
  status: MovementStatus;
  /** Unix seconds, Stripe's `created` of the object; undefined when Stripe does not show it. */
  occurredAt: number | undefined;
  method: Rule<string>;
  fee: Rule<{ fee: number; net: number }>;
  /** Last four digits of the card or account, to find in methodDetails when shown. */
  last4?: string;
}

export interface Expectation {
  movements: ExpectedMovement[];
  /** Where Stripe disagrees with the ledger. */
  mismatches: Problem[];
}

const UNCHECKED = { rule: 'unchecked' } as const;

/** What the order should show, from the ledger and Stripe's fresh objects. */
export function expectOrder(entry: LedgerEntry, stripe: readonly IntentFacts[]): Expectation {
  const movements: ExpectedMovement[] = [];
  const mismatches: Problem[] = [];
  const orderId = entry.orderId;
  const mismatch = (ref: string, detail: string) =>
    mismatches.push({ orderId, kind: 'ledgerMismatch', ref, detail: `${detail} (shop's ledger vs Stripe)` });

  for (const intent of entry.intents) {
    const facts = stripe.find((candidate) => candidate.id === intent.id);
    const currency = monstockCurrency(intent.currency);
    if (intent.metadata[ORDER_METADATA_KEY] !== orderId)
      mismatch(intent.id, `the shop created ${intent.id} with metadata naming ${intent.metadata[ORDER_METADATA_KEY]}`);
    if (!facts) mismatch(intent.id, `Stripe does not show ${intent.id}`);
    else {
      if (facts.metadata[ORDER_METADATA_KEY] !== orderId)
        mismatch(
          intent.id,
          `Stripe's metadata on ${intent.id} names ${facts.metadata[ORDER_METADATA_KEY] ?? 'no order'}`,
        );
      if (facts.currency !== intent.currency)
        mismatch(intent.id, `currency ${facts.currency}, shop ${intent.currency}`);
      if (facts.amount !== intent.amount) mismatch(intent.id, `amount ${facts.amount}, shop ${intent.amount}`);
    }
    const paidCharge = facts?.charges.find((charge) => charge.status === 'succeeded');
    // A refund or dispute goes back through the method that paid; the connector does not have to say so.
    const paidMethod: Rule<string> = paidCharge?.methodType
      ? { rule: 'ifShown', value: paidCharge.methodType }
      : UNCHECKED;

    if (intent.captureMethod === 'manual') {
      if (facts && facts.captureMethod !== 'manual')
        mismatch(intent.id, `capture_method ${facts.captureMethod}, the shop asked for manual`);
      movements.push(heldPaymentMovement(entry, intent, facts, paidCharge));
    } else {
      // The payment itself, keyed by the intent. Cards only in this run: an async payment that
      // failed after showing pending (which the connector records on the intent) does not occur.
      const ledgerStatus = intentMovementStatus(intent.status);
      const stripeStatus = facts ? intentMovementStatus(facts.status) : ledgerStatus;
      if (facts && stripeStatus !== ledgerStatus && intent.status !== 'processing')
        mismatch(intent.id, `intent status ${facts.status}, shop saw ${intent.status}`);
      if (facts && stripeStatus === 'succeeded' && facts.amountReceived !== intent.amount)
        mismatch(intent.id, `amount received ${facts.amountReceived}, shop paid ${intent.amount}`);
      if (stripeStatus) {
        const charge =
          stripeStatus === 'succeeded'
            ? paidCharge
            : facts?.charges.find((candidate) => candidate.status === 'pending');
        movements.push({
          kind: 'payment',
          transactionRef: intent.id,
          amount: intent.amount,
          currency,
          status: stripeStatus,
          // The payment happened when its charge did (the intent was created when checkout began).
          occurredAt: charge?.created,
          method: charge?.methodType ? { rule: 'equal', value: charge.methodType } : UNCHECKED,
          fee: stripeStatus === 'succeeded' ? feeRule(charge) : { rule: 'absent' },
          ...(charge?.last4 ? { last4: charge.last4 } : {}),
        });
      }
    }

    // Each declined attempt, keyed by its failed charge.
    const failed = facts?.charges.filter((charge) => charge.status === 'failed') ?? [];
    const claimed = new Set<string>();
    for (const decline of intent.declines) {
      const charge = decline.chargeId
        ? facts?.charges.find((candidate) => candidate.id === decline.chargeId)
        : failed.find((candidate) => !claimed.has(candidate.id));
      const ref = decline.chargeId ?? charge?.id;
      if (!ref) {
        mismatch(intent.id, 'a declined attempt of the shop has no failed charge in Stripe');
        continue;
      }
      claimed.add(ref);
      if (facts && !charge) mismatch(ref, `Stripe does not show the declined charge ${ref}`);
      if (charge && charge.status !== 'failed')
        mismatch(ref, `charge ${ref} is ${charge.status}, the shop was declined`);
      if (charge && charge.amount !== intent.amount)
        mismatch(ref, `charge amount ${charge.amount}, shop ${intent.amount}`);
      movements.push(declineMovement(ref, intent, charge));
    }
    for (const charge of failed) {
      if (claimed.has(charge.id)) continue;
      mismatch(charge.id, `Stripe shows a declined charge ${charge.id} the shop did not attempt`);
      movements.push(declineMovement(charge.id, intent, charge));
    }

    // Each refund the shop made.
    for (const refund of intent.refunds) {
      const seen = facts?.refunds.find((candidate) => candidate.id === refund.id);
      if (facts && !seen) mismatch(refund.id, `Stripe does not show refund ${refund.id}`);
      if (seen && seen.amount !== refund.amount)
        mismatch(refund.id, `refund amount ${seen.amount}, shop ${refund.amount}`);
      if (seen && seen.paymentIntent !== intent.id)
        mismatch(refund.id, `refund ${refund.id} is on ${seen.paymentIntent}, the shop refunded ${intent.id}`);
      if (
        seen &&
        refund.status !== 'pending' &&
        refundMovementStatus(seen.status) !== refundMovementStatus(refund.status)
      )
        mismatch(refund.id, `refund status ${seen.status}, Stripe answered ${refund.status} to the shop`);
      movements.push({
        kind: 'refund',
        transactionRef: refund.id,
        amount: refund.amount,
        currency,
        status: refundMovementStatus(seen?.status ?? refund.status),
        occurredAt: seen?.created,
        method: seen ? paidMethod : UNCHECKED,
        fee: seen ? optionalFee(seen.balance ? [seen.balance] : []) : UNCHECKED,
      });
    }
    for (const seen of facts?.refunds ?? []) {
      if (intent.refunds.some((refund) => refund.id === seen.id)) continue;
      // A refund the shop asked for through Monstock: the connector made it (chaos/merchantChecks.ts
      // judges how many and how much); the order must show it like any refund.
      if (!askedThroughMonstock(entry, seen))
        mismatch(seen.id, `Stripe shows a refund ${seen.id} the shop did not make`);
      movements.push({
        kind: 'refund',
        transactionRef: seen.id,
        amount: seen.amount,
        currency: monstockCurrency(seen.currency),
        status: refundMovementStatus(seen.status),
        occurredAt: seen.created,
        method: paidMethod,
        fee: optionalFee(seen.balance ? [seen.balance] : []),
      });
    }

    // Each dispute, with the outcome the shop's evidence asked for.
    for (const dispute of intent.disputes) {
      const seen = facts?.disputes.find((candidate) => candidate.id === dispute.id);
      const wanted = LEDGER_DISPUTE_STATUS[dispute.outcome];
      if (facts && !seen) mismatch(dispute.id, `Stripe does not show dispute ${dispute.id}`);
      // The test card disputes the whole payment.
      if (seen && seen.amount !== intent.amount)
        mismatch(dispute.id, `dispute amount ${seen.amount}, shop paid ${intent.amount}`);
      if (seen && disputeMovementStatus(seen.status) !== wanted)
        mismatch(dispute.id, `dispute status ${seen.status}, the shop's evidence asked for ${wanted}`);
      movements.push({
        kind: 'dispute',
        transactionRef: dispute.id,
        amount: intent.amount,
        currency,
        status: seen ? disputeMovementStatus(seen.status) : wanted,
        occurredAt: seen?.created,
        method: seen ? paidMethod : UNCHECKED,
        fee: seen ? optionalFee(seen.balances) : UNCHECKED,
      });
    }
    for (const seen of facts?.disputes ?? []) {
      if (intent.disputes.some((dispute) => dispute.id === seen.id)) continue;
      mismatch(seen.id, `Stripe shows a dispute ${seen.id} the shop did not cause`);
      movements.push({
        kind: 'dispute',
        transactionRef: seen.id,
        amount: seen.amount,
        currency: monstockCurrency(seen.currency),
        status: disputeMovementStatus(seen.status),
        occurredAt: seen.created,
        method: paidMethod,
        fee: optionalFee(seen.balances),
      });
    }
  }
  return { movements, mismatches };
}

/**
 * Whether Stripe agrees with everything the shop's ledger says of this order, and shows all the
 * connector had to do in Stripe for it (captures, releases, refunds asked through Monstock): then
 * Stripe's side of the order no longer moves.
 */
export function stripeAgreesWithLedger(entry: LedgerEntry, stripe: readonly IntentFacts[]): boolean {
  return expectOrder(entry, stripe).mismatches.length === 0 && merchantStripeProblems(entry, stripe).length === 0;
}

export function checkOrder(evidence: OrderEvidence, index: LedgerIndex = new Map()): Problem[] {
  const { entry } = evidence;
  const orderId = entry.orderId;
  const { movements: expected, mismatches } = expectOrder(entry, evidence.stripe);
  const problems: Problem[] = [
    ...mismatches,
    ...merchantStripeProblems(entry, evidence.stripe),
    ...merchantMonstockProblems(evidence),
  ];
  const order = evidence.monstock;
  if (!order) {
    return [
      ...problems,
      ...expected.map((movement) => ({
        orderId,
        kind: 'lost' as const,
        ref: movement.transactionRef,
        detail: `order missing in Monstock; ${describe(movement)} not shown`,
      })),
    ];
  }

  const byKey = new Map<string, Payment[]>();
  for (const payment of order.payments) {
    const key = keyOf(payment);
    byKey.set(key, [...(byKey.get(key) ?? []), payment]);
  }
  for (const [key, copies] of byKey) {
    if (copies.length > 1)
      problems.push({
        orderId,
        kind: 'duplicated',
        ref: copies[0]!.transactionRef,
        detail: `${key} recorded ${copies.length} times`,
      });
  }

  const expectedKeys = new Set(expected.map(keyOf));
  for (const movement of expected) {
    const shown = byKey.get(keyOf(movement))?.[0];
    if (!shown) {
      problems.push({ orderId, kind: 'lost', ref: movement.transactionRef, detail: `${describe(movement)} not shown` });
      continue;
    }
    const differences = movementDifferences(movement, shown);
    if (differences.length > 0)
      problems.push({
        orderId,
        kind: 'wrongStatus',
        ref: movement.transactionRef,
        fields: differences.map((difference) => difference.field),
        detail: `${keyOf(movement)}: ${differences.map((difference) => difference.text).join(', ')}`,
      });
  }

  // Ids of Stripe objects on this order's own intents (a succeeded charge id, say): they belong here.
  const ownStripeIds = new Set(
    evidence.stripe.flatMap((facts) => [
      facts.id,
      ...facts.charges.map((charge) => charge.id),
      ...facts.refunds.map((refund) => refund.id),
      ...facts.disputes.map((dispute) => dispute.id),
    ]),
  );
  let unexplained = false;
  for (const [key, copies] of byKey) {
    const payment = copies[0]!;
    // Another provider's movements are not Stripe's to judge.
    if (expectedKeys.has(key) || (payment.provider !== undefined && payment.provider !== 'stripe')) continue;
    unexplained = true;
    const ref = payment.transactionRef;
    const ledgerOwner = index.get(ref);
    const owner = evidence.owners?.[ref];
    if (ledgerOwner !== undefined && ledgerOwner !== orderId) {
      problems.push({
        orderId,
        kind: 'wrongOrder',
        ref,
        detail: `${describe(payment)} shown, but the shop made ${ref} for order ${ledgerOwner}`,
      });
    } else if (ledgerOwner === undefined && !ownStripeIds.has(ref) && owner?.known) {
      problems.push({
        orderId,
        kind: 'wrongOrder',
        ref,
        detail:
          owner.orderId === orderId
            ? `${describe(payment)} shown: Stripe's ${owner.paymentIntent} names this order, but the shop never created it for this order`
            : `${describe(payment)} shown, but Stripe's ${owner.paymentIntent ?? 'object'} names ${owner.orderId ? `order ${owner.orderId}` : 'no order'}`,
      });
    } else {
      problems.push({
        orderId,
        kind: 'wrongStatus',
        ref,
        detail: `${describe(payment)} shown, but neither the shop nor Stripe has such a movement for this order`,
      });
    }
  }

  const want = summarizePayments(entry.totalAmount, expected);
  const explained = unexplained || problems.some((problem) => problem.kind === 'duplicated');
  if (order.amountPaid > want.amountPaid && !explained) {
    problems.push({
      orderId,
      kind: 'duplicated',
      detail: `amountPaid ${order.amountPaid} exceeds what the shop paid (${want.amountPaid})`,
    });
  }
  const summary: string[] = [];
  if (order.totalAmount !== entry.totalAmount)
    summary.push(`totalAmount ${order.totalAmount}, the shop ordered ${entry.totalAmount}`);
  if (order.paymentStatus !== want.paymentStatus)
    summary.push(`paymentStatus ${order.paymentStatus}, the ledger implies ${want.paymentStatus}`);
  // An amountPaid above the ledger's is told once: by the duplicate or stray movement behind it.
  if (order.amountPaid < want.amountPaid)
    summary.push(`amountPaid ${order.amountPaid}, the ledger implies ${want.amountPaid}`);
  if (order.amountRefunded !== want.amountRefunded)
    summary.push(`amountRefunded ${order.amountRefunded}, the ledger implies ${want.amountRefunded}`);
  if (summary.length > 0) problems.push({ orderId, kind: 'wrongStatus', detail: summary.join('; ') });
  return problems;
}

export function checkOrders(orders: readonly OrderEvidence[], index: LedgerIndex = new Map()): CheckResult {
  const problems = orders.flatMap((evidence) => checkOrder(evidence, index));
  const count = (kind: ProblemKind) => problems.filter((problem) => problem.kind === kind).length;
  const movementsChecked = orders.reduce(
    (sum, order) => sum + expectOrder(order.entry, order.stripe).movements.length,
    0,
  );
  return {
    ordersChecked: orders.length,
    movementsChecked,
    lost: count('lost'),
    duplicated: count('duplicated'),
    wrongStatus: count('wrongStatus'),
    wrongOrder: count('wrongOrder'),
    ledgerMismatch: count('ledgerMismatch'),
    problems,
  };
}

export function problemCount(result: Pick<CheckResult, ProblemKind>): number {
  return PROBLEM_KINDS.reduce((sum, kind) => sum + result[kind], 0);
}

// --- Stripe's statuses in Monstock's vocabulary, as the checker reads the Monstock contract. ---

/** The payment line of an intent: paid once succeeded, pending while processing, none before. */
function intentMovementStatus(status: string): MovementStatus | undefined {
  if (status === 'succeeded') return 'succeeded';
  if (status === 'processing') return 'pending';
  return undefined;
}

export function refundMovementStatus(status: string): MovementStatus {
  if (status === 'succeeded') return 'succeeded';
  if (status === 'failed' || status === 'canceled') return 'failed';
  return 'pending';
}

/** Monstock has three dispute statuses: closed for the merchant, closed against, or still open. */
function disputeMovementStatus(status: string): MovementStatus {
  if (status === 'won' || status === 'warning_closed' || status === 'prevented') return 'won';
  if (status === 'lost') return 'lost';
  return 'needs_response';
}

const LEDGER_DISPUTE_STATUS: Record<LedgerIntent['disputes'][number]['outcome'], MovementStatus> = {
  open: 'needs_response',
  won: 'won',
  lost: 'lost',
};

/**
 * Stripe writes currencies in lower case, Monstock's contract in upper case (`^[A-Z]{3}$`): the
 * same currency, so the checker compares them upper-cased.
 */
function monstockCurrency(currency: string): string {
  return currency.toUpperCase();
}

/**
 * A payment held for capture at shipment: the connector captures the order's total due when the
 * shop ships it (succeeded with the captured amount, Stripe's fee and net), or releases the hold
 * when the shop cancels (canceled). The capture happens well after the charge was created and the
 * contract leaves open which instant the connector writes: occurredAt is not judged.
 */
function heldPaymentMovement(
  entry: LedgerEntry,
  intent: LedgerIntent,
  facts: IntentFacts | undefined,
  charge: ChargeFacts | undefined,
): ExpectedMovement {
  const shipped = entry.capture?.outcome === 'shipped';
  const method: Rule<string> = charge?.methodType ? { rule: 'equal', value: charge.methodType } : UNCHECKED;
  const common = {
    kind: 'payment' as const,
    transactionRef: intent.id,
    currency: monstockCurrency(intent.currency),
    occurredAt: undefined,
    method,
    ...(charge?.last4 ? { last4: charge.last4 } : {}),
  };
  if (!entry.capture) {
    // Neither shipped nor cancelled yet (a run cut short): the money is only held.
    return { ...common, amount: intent.amount, status: 'authorized', fee: { rule: 'absent' } };
  }
  if (!shipped) return { ...common, amount: intent.amount, status: 'canceled', fee: { rule: 'absent' } };
  return {
    ...common,
    amount: entry.capture.amountDue ?? intent.amount,
    status: 'succeeded',
    // Until Stripe shows the capture, no balance transaction tells the fee.
    fee: facts?.status === 'succeeded' ? feeRule(charge) : UNCHECKED,
  };
}

function declineMovement(ref: string, intent: LedgerIntent, charge: ChargeFacts | undefined): ExpectedMovement {
  return {
    kind: 'payment',
    transactionRef: ref,
    amount: intent.amount,
    currency: monstockCurrency(intent.currency),
    status: 'failed',
    occurredAt: charge?.created,
    method: charge?.methodType ? { rule: 'equal', value: charge.methodType } : UNCHECKED,
    // A declined charge moves no money: Stripe books no balance transaction, so no fee is known.
    fee: charge ? (charge.balance ? UNCHECKED : { rule: 'absent' }) : UNCHECKED,
    ...(charge?.last4 ? { last4: charge.last4 } : {}),
  };
}

/**
 * A succeeded payment's fee and net are Stripe's balance transaction's, and required: Stripe books
 * it with the charge. When Stripe settled in another currency, fee and net are not in this
 * movement's currency (the contract's "fee for this movement" then has no faithful value): not judged.
 */
function feeRule(charge: ChargeFacts | undefined): ExpectedMovement['fee'] {
  if (!charge) return UNCHECKED;
  if (!charge.balance) return { rule: 'absent' };
  if (charge.balance.currency !== charge.currency) return UNCHECKED;
  return { rule: 'equal', value: { fee: charge.balance.fee, net: charge.balance.net } };
}

/**
 * Refunds and disputes: the contract makes fee and net optional ("when known") and the connector
 * writes neither today; if it does, they must be Stripe's own totals over the object's balance
 * transactions (a dispute's fee is withdrawn, and given back when won).
 */
function optionalFee(balances: readonly BalanceFacts[]): ExpectedMovement['fee'] {
  if (balances.length === 0) return { rule: 'absent' };
  return {
    rule: 'ifShown',
    value: {
      fee: balances.reduce((sum, balance) => sum + balance.fee, 0),
      net: balances.reduce((sum, balance) => sum + balance.net, 0),
    },
  };
}

function keyOf(movement: Pick<ExpectedMovement, 'kind' | 'transactionRef'>): string {
  return `${movement.kind}:${movement.transactionRef}`;
}

function describe(movement: Pick<ExpectedMovement, 'kind' | 'transactionRef' | 'amount' | 'status'>): string {
  return `${movement.kind} ${movement.transactionRef} (${movement.amount}, ${movement.status})`;
}

interface Difference {
  field: string;
  text: string;
}

function movementDifferences(want: ExpectedMovement, shown: Payment): Difference[] {
  const differences: Difference[] = [];
  const differ = (field: string, text: string) => differences.push({ field, text });
  if (shown.status !== want.status) differ('status', `status ${shown.status}, expected ${want.status}`);
  if (shown.amount !== want.amount) differ('amount', `amount ${shown.amount}, expected ${want.amount}`);
  if (monstockCurrency(shown.currency) !== want.currency)
    differ('currency', `currency ${shown.currency}, expected ${want.currency}`);
  if (want.occurredAt !== undefined) {
    // Stripe's `created` is whole Unix seconds; the connector writes an ISO 8601 string (which
    // may carry milliseconds or another offset): the same instant is the same time.
    const shownMs = Date.parse(shown.occurredAt);
    if (Number.isNaN(shownMs) || Math.floor(shownMs / 1000) !== want.occurredAt)
      differ('occurredAt', `occurredAt ${shown.occurredAt}, Stripe created it at ${isoOf(want.occurredAt)}`);
  }
  judge(
    want.method,
    shown.method,
    (expected, actual) => expected === actual,
    (text) => differ('method', `method ${text}`),
  );
  if (want.last4 && shown.methodDetails !== undefined && !shown.methodDetails.includes(want.last4))
    differ('methodDetails', `methodDetails ${shown.methodDetails}, Stripe's last four are ${want.last4}`);
  if (want.fee.rule !== 'unchecked') {
    const expected = want.fee.rule === 'absent' ? undefined : want.fee.value;
    const shownAny = shown.feeAmount !== undefined || shown.netAmount !== undefined;
    // 'ifShown': absent is fine; once shown, both must be Stripe's.
    if (want.fee.rule !== 'ifShown' || shownAny) {
      if (shown.feeAmount !== expected?.fee)
        differ(
          'fee',
          `fee ${shown.feeAmount ?? 'missing'}, Stripe's balance transaction ${expected ? `shows ${expected.fee}` : 'has none'}`,
        );
      if (shown.netAmount !== expected?.net)
        differ(
          'net',
          `net ${shown.netAmount ?? 'missing'}, Stripe's balance transaction ${expected ? `shows ${expected.net}` : 'has none'}`,
        );
    }
  }
  return differences;
}

function judge<T>(
  rule: Rule<T>,
  shown: T | undefined,
  same: (expected: T, shown: T) => boolean,
  report: (text: string) => void,
): void {
  if (rule.rule === 'unchecked') return;
  if (rule.rule === 'absent') {
    if (shown !== undefined) report(`${String(shown)}, expected none`);
    return;
  }
  if (shown === undefined) {
    if (rule.rule === 'equal') report(`missing, expected ${String(rule.value)}`);
    return;
  }
  if (!same(rule.value, shown)) report(`${String(shown)}, expected ${String(rule.value)}`);
}

function isoOf(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
