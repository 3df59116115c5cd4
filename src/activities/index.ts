import type { MonstockClient } from '../monstock/client';
import { createRecordMovement } from './orderPayment/recordMovement';

export interface ActivityClients {
  monstock: MonstockClient;
}

/** Activities receive their clients, so tests hand in clients pointed at the sandboxes. */
export function createActivities(clients: ActivityClients) {
  return {
    recordMovement: createRecordMovement(clients.monstock),
  };
}

export type ConnectorActivities = ReturnType<typeof createActivities>;
export type { OrderPaymentSummary } from './orderPayment/recordMovement';
