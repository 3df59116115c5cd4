import type { CustomerSyncState } from '../../shared/customerSync';

const FAILURES_SHOWN = 10;

/** The Web UI's "current details": what an operator needs at a glance, ids and reasons only. */
export function describeCustomerSync(state: CustomerSyncState): string {
  const c = state.counts;
  const lines = [
    `Customer sync for connection ${state.connectionId} (run ${state.run}).`,
    `Created: ${c.createdInStripe} in Stripe, ${c.createdInMonstock} in Monstock. Updated: ${c.updatedInStripe} in Stripe, ${c.updatedInMonstock} in Monstock. ` +
      `Linked by e-mail: ${c.linkedByEmail}. Conflicts settled: ${c.conflicts}. Echoes skipped: ${c.skippedEchoes}.`,
    `Working: ${state.inFlight.length} in flight, ${state.queued} queued, ${state.signalsWaiting} signals waiting. ` +
      `Polls: ${state.polls.monstock} Monstock, ${state.polls.stripe} Stripe${state.polls.lastAt ? `, last at ${state.polls.lastAt}` : ''}.`,
  ];
  if (state.polls.lastError) lines.push(`Last poll error: ${state.polls.lastError}`);
  if (state.failures.length > 0) {
    lines.push(`SET ASIDE: ${state.failures.length} customer(s) (send "customerChanged" for one to retry it):`);
    for (const failure of state.failures.slice(-FAILURES_SHOWN)) {
      const ids = [failure.monstockId, failure.stripeId].filter(Boolean).join(' / ');
      lines.push(
        `- ${ids || failure.key}: ${failure.reason} (${failure.attempts} attempt(s), ${failure.retryable ? 'retried at the next poll' : 'waits for its next change'})`,
      );
    }
  }
  return lines.join('\n');
}
