import Stripe from 'stripe';
import type { StripeCustomerCursor } from '../../shared/customerSync';
import { withActivityFailures } from '../failures';
import { ChangeCollector, observeStripe } from './changes';
import {
  customerEventsAfter,
  customerEventsSince,
  customerOfEvent,
  listStripeCustomersPage,
  newestCustomerEvent,
} from './stripeCustomers';
import type { CustomerPollInput, CustomerPollResult } from './types';

const PAGES_PER_CALL = 10;
/** Without an anchor event, read a little before the backfill started, in case clocks differ. */
const CLOCK_MARGIN_SECONDS = 60;

/**
 * Stripe customers changed since the cursor. Why the events API rather than listing customers by
 * `created`: a customer list only shows new customers, never edits, while `customer.updated`
 * events carry both, with the customer as it was (so echoes are recognised without another
 * read) and a time (used by the conflict rule). Events live 30 days, so a first run (or one whose
 * anchor event has expired) backfills by listing every customer once.
 */
export function createPollStripeCustomers(stripe: Stripe) {
  return async function pollStripeCustomers(
    input: CustomerPollInput<StripeCustomerCursor | undefined>,
  ): Promise<CustomerPollResult<StripeCustomerCursor>> {
    return withActivityFailures(async () => {
      const collector = new ChangeCollector();
      const cursor = input.cursor ?? (await startBackfill(stripe));
      try {
        if (cursor.phase === 'backfill') return await backfill(stripe, cursor, collector, input.maxChanges);
        return await readEvents(stripe, cursor, collector, input.maxChanges);
      } catch (error) {
        // The event anchor expired (30 days) or the customer a backfill page started after was
        // deleted: start the backfill again rather than fail every poll.
        const cursorGone =
          error instanceof Stripe.errors.StripeInvalidRequestError &&
          error.code === 'resource_missing' &&
          (error.param === 'ending_before' || error.param === 'starting_after');
        if (!cursorGone) throw error;
        return backfill(stripe, await startBackfill(stripe), new ChangeCollector(), input.maxChanges);
      }
    });
  };
}

type BackfillCursor = Extract<StripeCustomerCursor, { phase: 'backfill' }>;

async function startBackfill(stripe: Stripe): Promise<BackfillCursor> {
  const anchor = await newestCustomerEvent(stripe);
  return { phase: 'backfill', eventAnchor: anchor?.id ?? null, startedAt: Math.floor(Date.now() / 1000) };
}

async function backfill(
  stripe: Stripe,
  start: BackfillCursor,
  collector: ChangeCollector,
  maxChanges: number,
): Promise<CustomerPollResult<StripeCustomerCursor>> {
  const cursor = { ...start };
  for (let pages = 0; pages < PAGES_PER_CALL; pages += 1) {
    const page = await listStripeCustomersPage(stripe, cursor.startingAfter);
    for (const customer of page.data) collector.add(observeStripe(customer));
    const last = page.data[page.data.length - 1];
    if (!page.has_more || !last) {
      const next: StripeCustomerCursor = cursor.eventAnchor
        ? { phase: 'events', afterEventId: cursor.eventAnchor }
        : { phase: 'events', createdSince: cursor.startedAt - CLOCK_MARGIN_SECONDS };
      // more: the events since the anchor are read at once, not one poll interval later.
      return { changes: collector.changes(), echoes: collector.echoes, cursor: next, more: true };
    }
    cursor.startingAfter = last.id;
    if (collector.size >= maxChanges) break;
  }
  return { changes: collector.changes(), echoes: collector.echoes, cursor, more: true };
}

async function readEvents(
  stripe: Stripe,
  start: Extract<StripeCustomerCursor, { phase: 'events' }>,
  collector: ChangeCollector,
  maxChanges: number,
): Promise<CustomerPollResult<StripeCustomerCursor>> {
  if (!start.afterEventId) return readEventsSince(stripe, start.createdSince ?? 0, collector);
  let after = start.afterEventId;
  for (let pages = 0; pages < PAGES_PER_CALL; pages += 1) {
    const page = await customerEventsAfter(stripe, after);
    // Within a page Stripe still lists newest first: oldest first keeps the times in order.
    for (const event of [...page.data].reverse()) addEvent(collector, event);
    after = page.data[0]?.id ?? after;
    if (!page.has_more)
      return {
        changes: collector.changes(),
        echoes: collector.echoes,
        cursor: { phase: 'events', afterEventId: after },
        more: false,
      };
    if (collector.size >= maxChanges) break;
  }
  return {
    changes: collector.changes(),
    echoes: collector.echoes,
    cursor: { phase: 'events', afterEventId: after },
    more: true,
  };
}

/**
 * Only when no customer event existed at the backfill's start: read everything since then
 * (newest first, so it cannot be split over calls), then anchor on the newest.
 */
const MAX_PAGES_SINCE = 100;

async function readEventsSince(
  stripe: Stripe,
  createdSince: number,
  collector: ChangeCollector,
): Promise<CustomerPollResult<StripeCustomerCursor>> {
  let newest: string | undefined;
  let startingAfter: string | undefined;
  for (let pages = 0; pages < MAX_PAGES_SINCE; pages += 1) {
    const page = await customerEventsSince(stripe, createdSince, startingAfter);
    newest ??= page.data[0]?.id;
    for (const event of page.data) addEvent(collector, event);
    startingAfter = page.data[page.data.length - 1]?.id;
    if (!page.has_more || !startingAfter) break;
  }
  const cursor: StripeCustomerCursor = newest
    ? { phase: 'events', afterEventId: newest }
    : { phase: 'events', createdSince };
  return { changes: collector.changes(), echoes: collector.echoes, cursor, more: false };
}

function addEvent(collector: ChangeCollector, event: Stripe.Event): void {
  const customer = customerOfEvent(event);
  if (customer) collector.add(observeStripe(customer, event.created));
}
