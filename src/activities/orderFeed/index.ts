import type { MonstockClient } from '../../monstock/client';
import { createPollOrderFeed, type OrderChanged } from './pollOrderFeed';

export function createOrderFeedActivities(clients: { monstock: MonstockClient; orderChanged?: OrderChanged }) {
  return { pollMonstockOrderFeed: createPollOrderFeed(clients) };
}

export type { OrderChanged, PollOrderFeedInput, PollOrderFeedResult } from './pollOrderFeed';
