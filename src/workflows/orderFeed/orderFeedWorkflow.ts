import {
  ActivityFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ConnectorActivities } from '../../activities';
import {
  orderFeedPollNowSignal,
  orderFeedStateQuery,
  type OrderFeedCounts,
  type OrderFeedState,
  type OrderFeedWorkflowInput,
} from '../../shared/orderFeed';
import { ConnectionId } from '../../shared/searchAttributes';

/**
 * A failed poll is retried briefly, then given up until the next round: the feed must keep its
 * rhythm (and its Web UI details honest) through a long Monstock outage rather than sit in one
 * activity retrying for hours. Heartbeats catch a worker that died mid-walk within seconds.
 */
const { pollMonstockOrderFeed } = proxyActivities<ConnectorActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

const DEFAULT_POLL_INTERVAL = '2 minutes';
const DEFAULT_LOOKBACK_MS = 60 * 60 * 1000;
const HISTORY_EVENTS_BEFORE_CONTINUE = 2_000;

/**
 * One per connection: walks Monstock's order list from a cursor kept in workflow state, so an
 * order whose webhook was lost still reaches its order workflow within a poll interval or two,
 * and a restarted worker carries on where the feed was instead of starting over.
 */
export async function monstockOrderFeedWorkflow(input: OrderFeedWorkflowInput): Promise<void> {
  const carried = input.carried;
  const state: OrderFeedState = {
    connectionId: input.connectionId,
    cursor: carried?.cursor ?? {
      updatedSince:
        input.startFrom ?? new Date(workflowInfo().runStartTime.getTime() - DEFAULT_LOOKBACK_MS).toISOString(),
    },
    counts: carried?.counts ?? { delivered: 0, skipped: 0, pages: 0, polls: 0, failedPolls: 0 },
    run: carried?.run ?? 0,
    ...(carried?.lastPollAt ? { lastPollAt: carried.lastPollAt } : {}),
    ...(carried?.lastError ? { lastError: carried.lastError } : {}),
  };
  const pollInterval = input.pollInterval ?? DEFAULT_POLL_INTERVAL;
  let pollRequested = false;

  setHandler(orderFeedPollNowSignal, () => {
    pollRequested = true;
  });
  setHandler(orderFeedStateQuery, () => state);
  upsertSearchAttributes([{ key: ConnectionId, value: input.connectionId }]);

  // A new feed reads at once; a continued one keeps the rhythm of the run before it.
  let pollNow = carried ? carried.pollRequested : true;
  for (let rounds = 1; ; rounds += 1) {
    if (!pollNow) await condition(() => pollRequested, pollInterval);
    pollRequested = false;
    // A backlog is read on at once; a caught-up feed waits, unless someone asks for a poll.
    pollNow = await poll();
    describe();
    const info = workflowInfo();
    if (
      info.continueAsNewSuggested ||
      info.historyLength > HISTORY_EVENTS_BEFORE_CONTINUE ||
      (input.roundsPerRun !== undefined && rounds >= input.roundsPerRun)
    ) {
      await continueAsNew<typeof monstockOrderFeedWorkflow>({
        ...input,
        carried: {
          cursor: state.cursor,
          counts: state.counts,
          run: state.run + 1,
          pollRequested: pollRequested || pollNow,
          ...(state.lastPollAt ? { lastPollAt: state.lastPollAt } : {}),
          ...(state.lastError ? { lastError: state.lastError } : {}),
        },
      });
    }
  }

  /** One activity call; true when Monstock has more to read right now. */
  async function poll(): Promise<boolean> {
    try {
      const result = await pollMonstockOrderFeed({
        connectionId: input.connectionId,
        cursor: state.cursor,
        ...((input.maxPagesPerPoll ?? 0) > 0 ? { maxPages: input.maxPagesPerPoll } : {}),
      });
      state.cursor = result.cursor;
      add(state.counts, { delivered: result.delivered, skipped: result.skipped, pages: result.pages, polls: 1 });
      state.lastPollAt = new Date().toISOString();
      delete state.lastError;
      return result.more;
    } catch (error) {
      // Monstock down or refusing us: note it and try again next round, with the cursor untouched.
      if (!(error instanceof ActivityFailure)) throw error;
      add(state.counts, { failedPolls: 1 });
      state.lastError = error.cause?.message ?? error.message;
      return false;
    }
  }

  function describe(): void {
    const { cursor, counts } = state;
    setCurrentDetails(
      `Monstock order feed of connection ${input.connectionId}, every ${pollInterval}. ` +
        `Cursor: ${cursor.updatedSince ?? 'start'}${cursor.lastId ? ` after ${cursor.lastId}` : ''}${cursor.page ? ' (mid-walk)' : ''}. ` +
        `${counts.delivered} order changes delivered in ${counts.polls} polls, ${counts.failedPolls} failed; last poll ${state.lastPollAt ?? 'never'}.` +
        (state.lastError ? ` LAST POLL FAILED: ${state.lastError}. Send "orderFeedPollNow" to try again at once.` : ''),
    );
  }
}

function add(counts: OrderFeedCounts, more: Partial<OrderFeedCounts>): void {
  for (const key of Object.keys(more) as Array<keyof OrderFeedCounts>) counts[key] += more[key] ?? 0;
}
