import type Stripe from 'stripe';
import type { MonstockClient } from '../src/monstock/client';
import { checkOrders, problemCount, type CheckResult, type OrderEvidence, type Problem } from './checker';
import { readEvidence, type EvidenceOptions } from './evidence';
import { ledgerIndex, type LedgerEntry } from './ledger';
import type { RefOwner, IntentFacts } from './stripeFacts';
import type { Progress } from './progress';
import type { ReconcileOutcome } from './reconcile';

/**
 * After the faults stop: let the pipeline settle (check the orders not yet right until none is
 * left, or until the count stops falling), run reconciliation once, wait again, then check every
 * order one last time. `convergeSeconds` runs from the faults stopping to the first moment every
 * order matched the shop's ledger and Stripe.
 */
export interface ConvergeClients {
  monstock: MonstockClient;
  stripe: Stripe;
}

/** One merchant's orders, read through its own Monstock tenant and Stripe account. */
export interface ConvergeGroup {
  entries: readonly LedgerEntry[];
  clients: ConvergeClients;
}

export interface ConvergeOptions {
  entries: readonly LedgerEntry[];
  clients: ConvergeClients;
  /** Several merchants: each order is read through its group's clients (`entries` is then every group's). */
  groups?: readonly ConvergeGroup[];
  reconcile: () => Promise<ReconcileOutcome>;
  faultsStoppedAt: number;
  /** Give up settling before reconciliation when nothing improved for this long. */
  quietMs: number;
  /** Settling before reconciliation never lasts longer than this. */
  settleTimeoutMs: number;
  /** After reconciliation, how long every order has to match. */
  afterReconcileTimeoutMs: number;
  progress: Progress;
}

export interface ConvergeResult {
  final: CheckResult;
  /** Undefined when the orders never all matched within the time allowed. */
  convergeSeconds: number | undefined;
  /** Whether every order already matched before reconciliation ran. */
  convergedBeforeReconciliation: boolean;
  pendingBeforeReconciliation: number;
  reconciliation: ReconcileOutcome;
  /** The final check of each group's orders, in the order of `groups` (one, all orders, without groups). */
  finalByGroup: CheckResult[];
}

export async function converge(options: ConvergeOptions): Promise<ConvergeResult> {
  const { progress } = options;
  let convergedAt: number | undefined;
  let pending = [...options.entries];
  let lastProblems: Problem[] = [];
  // Stripe no longer changes once the shop has stopped and it agrees with the shop's ledger:
  // read its side once, poll Monstock's.
  const stripeCache = new Map<string, readonly IntentFacts[]>();
  const ownerCache = new Map<string, RefOwner>();
  // Every order's ids, pending or not: a movement of an order already right can still turn up on another.
  const index = ledgerIndex(options.entries);
  const groups = options.groups ?? [{ entries: options.entries, clients: options.clients }];
  const groupOf = new Map<string, number>();
  for (const [position, group] of groups.entries())
    for (const entry of group.entries) groupOf.set(entry.orderId, position);
  // Each group's orders through its own clients; the verdict judges them all together.
  const readByGroup = async (entries: readonly LedgerEntry[], evidenceOptions: EvidenceOptions) => {
    const byGroup: OrderEvidence[][] = groups.map(() => []);
    for (const [position, group] of groups.entries()) {
      const own = entries.filter((entry) => groupOf.get(entry.orderId) === position);
      if (own.length > 0) byGroup[position] = await readEvidence(own, group.clients, evidenceOptions);
    }
    return byGroup;
  };

  const settle = async (deadline: number, quietMs: number | undefined, phase: string) => {
    let best = Number.POSITIVE_INFINITY;
    let bestAt = Date.now();
    let lastPrinted = 0;
    while (pending.length > 0) {
      const passStarted = Date.now();
      let result;
      try {
        result = checkOrders((await readByGroup(pending, { index, stripeCache, ownerCache })).flat(), index);
      } catch (error) {
        // A read that failed (a sandbox busy, a socket reset) is tried again at the next pass.
        progress(`${phase}: a check pass failed (${(error as Error).message}); trying again`);
        if (Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 2000));
        continue;
      }
      const wrong = new Set(result.problems.map((problem) => problem.orderId));
      pending = pending.filter((entry) => wrong.has(entry.orderId));
      lastProblems = result.problems;
      if (pending.length === 0) {
        convergedAt ??= Date.now();
        break;
      }
      if (pending.length < best) {
        best = pending.length;
        bestAt = Date.now();
      }
      if (Date.now() - lastPrinted > 5000) {
        progress(
          `${phase}: ${pending.length} orders not yet matching Stripe (lost ${result.lost}, duplicated ${result.duplicated}, wrongStatus ${result.wrongStatus}, wrongOrder ${result.wrongOrder}, ledgerMismatch ${result.ledgerMismatch})`,
        );
        lastPrinted = Date.now();
      }
      if (Date.now() > deadline || (quietMs !== undefined && Date.now() - bestAt > quietMs)) break;
      // A pass costs the stack too: rest at least as long as it took.
      await new Promise((resolve) => setTimeout(resolve, Math.max(1000, Date.now() - passStarted)));
    }
  };

  await settle(Date.now() + options.settleTimeoutMs, options.quietMs, 'settling');
  const pendingBeforeReconciliation = pending.length;
  const convergedBeforeReconciliation = pending.length === 0;
  progress(
    convergedBeforeReconciliation
      ? `every order matches Stripe ${(((convergedAt ?? Date.now()) - options.faultsStoppedAt) / 1000).toFixed(1)} s after the faults stopped; running reconciliation once`
      : `${pending.length} orders still differ (e.g. ${lastProblems
          .slice(0, 3)
          .map((problem) => `${problem.orderId} ${problem.kind} ${problem.detail}`)
          .join('; ')}); running reconciliation`,
  );
  const reconciliation = await options.reconcile();
  progress(
    reconciliation.report
      ? `reconciliation done in ${reconciliation.seconds} s: ${reconciliation.report.counts.items} items, ${reconciliation.report.counts.findings} findings, ${reconciliation.report.counts.repairsSent} repairs sent, ${reconciliation.report.unresolved} left for a person`
      : `reconciliation failed: ${reconciliation.error}`,
  );
  await settle(Date.now() + options.afterReconcileTimeoutMs, undefined, 'after reconciliation');

  progress(`final check of all ${options.entries.length} orders`);
  // Read afresh, nothing cached: the verdict rests on Stripe's objects as they are now.
  const evidence = await readByGroup(options.entries, { index });
  const final = checkOrders(evidence.flat(), index);
  const finalByGroup = evidence.map((own) => checkOrders(own, index));
  const converged = convergedAt !== undefined && problemCount(final) === 0;
  return {
    final,
    convergeSeconds: converged ? Math.round((convergedAt! - options.faultsStoppedAt) / 100) / 10 : undefined,
    convergedBeforeReconciliation,
    pendingBeforeReconciliation,
    reconciliation,
    finalByGroup,
  };
}
