import type Stripe from 'stripe';
import type { MonstockClient } from '../../monstock/client';
import type { PendingCustomerChange } from '../../shared/customerSync';

export interface CustomerSyncClients {
  monstock: MonstockClient;
  stripe: Stripe;
}

export interface CustomerPollInput<Cursor> {
  cursor: Cursor;
  /** Stop reading once this many changes are collected (the rest is read on the next call). */
  maxChanges: number;
}

export interface CustomerPollResult<Cursor> {
  changes: PendingCustomerChange[];
  echoes: number;
  cursor: Cursor;
  /** true: more is waiting right now; call again without waiting for the poll interval. */
  more: boolean;
}

export interface SyncCustomerInput {
  connectionId: string;
  change: PendingCustomerChange;
}

export interface SyncCustomerResult {
  monstockId?: string;
  stripeId?: string;
  /** Set when the customer was new on one side and has just been created on the other. */
  created?: 'stripe' | 'monstock';
  /** Which side's fields were changed to match the other. */
  fieldsWritten: { monstock: boolean; stripe: boolean };
  linkedByEmail: boolean;
  /** Both sides had been edited: the newest-wins rule chose `winner`. */
  conflict: boolean;
  winner?: 'monstock' | 'stripe' | 'equal';
  /** Nothing to do, and why (deleted in Stripe, ...). */
  skipped?: string;
}
