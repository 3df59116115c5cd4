import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { MovementKind, MovementStatus, PaymentStatus } from '../monstock/schemas';

/**
 * The contract between starters and `orderPaymentWorkflow`: its input, signals and queries.
 * Starters import this module, never the workflow code.
 */
export interface PaymentMovement {
  kind: MovementKind;
  /** The Stripe id the movement comes from (pi_, re_, dp_): with kind, Monstock's idempotency key. */
  transactionRef: string;
  amount: number;
  currency: string;
  status: MovementStatus;
  occurredAt: string;
  method?: string;
  methodDetails?: string;
  failureReason?: string;
  feeAmount?: number;
  netAmount?: number;
}

export interface OrderPaymentWorkflowInput {
  connectionId: string;
  orderId: string;
  /** How long the workflow waits for another event before it completes, e.g. '120 days'. */
  idleWindow?: string;
  /** State carried over by continue-as-new. */
  carried?: OrderPaymentState;
}

export interface RecordedMovement {
  kind: MovementKind;
  transactionRef: string;
  status: MovementStatus;
  amount: number;
  currency: string;
}

export interface OrderPaymentState {
  orderId: string;
  orderReference?: string;
  currency?: string;
  totalAmount?: number;
  amountPaid: number;
  amountRefunded: number;
  paymentStatus?: PaymentStatus;
  paymentIntentIds: string[];
  movements: RecordedMovement[];
  /** Set while the workflow is parked on a permanent error, waiting for an operator. */
  needsAttention?: { reason: string; since: string };
  pendingMovements: number;
}

export const recordMovementSignal = defineSignal<[PaymentMovement]>('recordMovement');
/** An operator's go-ahead after fixing what parked the workflow (credentials, a deleted order, ...). */
export const resumeSignal = defineSignal<[{ note?: string }]>('resume');
export const paymentStateQuery = defineQuery<OrderPaymentState>('paymentState');

/** Monstock's idempotency key for a movement is (orderId, kind, transactionRef); a new status is a new fact. */
export function movementKey(movement: Pick<PaymentMovement, 'kind' | 'transactionRef' | 'status'>): string {
  return `${movement.kind}:${movement.transactionRef}:${movement.status}`;
}
