import type Stripe from 'stripe';
import type { MonstockClient } from '../../monstock/client';
import { movementsFromStripe, movementsToWrite } from '../../payments/movementsFromStripe';
import type { PaymentMovement } from '../../shared/orderPayment';
import { hintsFromRecorded, readPaymentIntentSnapshotFor } from '../../stripe/readPaymentIntentSnapshot';
import { withActivityFailures } from '../failures';
import { summariseOrder, type OrderPaymentSummary } from './recordMovement';

export interface SyncPaymentIntentInput {
  orderId: string;
  paymentIntentId: string;
}

export interface SyncPaymentIntentResult {
  order: OrderPaymentSummary;
  /** The order version before this run's writes (each write adds exactly one). */
  versionRead: number;
  paymentIntent: { id: string; status: string; amount: number; amountReceived: number; currency: string };
  /** Movements written by this run (empty when Monstock already agreed). */
  written: Array<Pick<PaymentMovement, 'kind' | 'transactionRef' | 'status' | 'amount' | 'currency'>>;
}

/**
 * Makes the Monstock order show what Stripe shows now for one payment intent. Reads the latest
 * objects, writes only the differences, each keyed by its Stripe id: running it twice, or on a
 * stale or reordered webhook, writes nothing twice.
 */
export function createSyncPaymentIntent(clients: { monstock: MonstockClient; stripe: Stripe }) {
  return async function syncPaymentIntent(input: SyncPaymentIntentInput): Promise<SyncPaymentIntentResult> {
    return withActivityFailures(async () => {
      const orderRead = clients.monstock.getOrder(input.orderId);
      const [snapshot, initialOrder] = await Promise.all([
        readPaymentIntentSnapshotFor(
          clients.stripe,
          input.paymentIntentId,
          orderRead.then((order) => hintsFromRecorded(order.payments)),
        ),
        orderRead,
      ]);
      let order = initialOrder;
      const toWrite = movementsToWrite(movementsFromStripe(snapshot, order.payments), order.payments);
      for (const movement of toWrite) {
        order = (await clients.monstock.recordPayment(input.orderId, { ...movement, provider: 'stripe' })).order;
      }
      return {
        order: summariseOrder(order),
        versionRead: initialOrder.version,
        paymentIntent: {
          id: snapshot.id,
          status: snapshot.status,
          amount: snapshot.amount,
          amountReceived: snapshot.amountReceived,
          currency: snapshot.currency,
        },
        written: toWrite.map(({ kind, transactionRef, status, amount, currency }) => ({
          kind,
          transactionRef,
          status,
          amount,
          currency,
        })),
      };
    });
  };
}
