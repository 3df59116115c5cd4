import type { Client } from '@temporalio/client';
import { orderWorkflowId } from '../../shared/ids';
import type { MonstockOrderRef } from '../../shared/orderPayment';
import { createWorkflowDelivery } from '../../temporal/orderDelivery';
import { beforeDeadline } from '../http/deadline';
import type { MonstockCustomerChange } from './eventActions';

/**
 * Hands a Monstock event to Temporal within a deadline. Once this resolves Temporal has the
 * event durably and the webhook may answer 2xx; duplicates and older snapshots are harmless
 * downstream (the order workflow ignores versions it already applied).
 */
export type MonstockCustomerDelivery = (connectionId: string, change: MonstockCustomerChange) => Promise<void>;

export interface MonstockEventDelivery {
  /** Resolves to the order's workflow id; rejects (Temporal unreachable, deadline) so the webhook answers 503. */
  order(connectionId: string, change: MonstockOrderRef, deadline: number): Promise<string>;
  customer(connectionId: string, change: MonstockCustomerChange, deadline: number, customerDelivery: MonstockCustomerDelivery): Promise<void>;
}

export function createMonstockEventDelivery(options: { client: Client; taskQueue: string; idleWindow: string }): MonstockEventDelivery {
  const delivery = createWorkflowDelivery(options);
  const { connection } = options.client;
  return {
    async order(connectionId, change, deadline) {
      // Monstock waits 10 s: the client's own retries must not outlive its patience.
      await beforeDeadline(
        connection.withDeadline(deadline, () => delivery.orderChanged(connectionId, change)),
        deadline,
        'handing the order change to Temporal',
      );
      return orderWorkflowId(connectionId, change.orderId);
    },
    async customer(connectionId, change, deadline, customerDelivery) {
      await beforeDeadline(
        connection.withDeadline(deadline, () => customerDelivery(connectionId, change)),
        deadline,
        'handing the customer change to Temporal',
      );
    },
  };
}
