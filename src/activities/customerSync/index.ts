import { createDescribeAndSyncCustomer, createDescribeAndSyncCustomers } from './describeAndSync';
import { createDescribeCustomerChanges } from './describeChanges';
import { createPollMonstockCustomers } from './pollMonstock';
import { createPollStripeCustomers } from './pollStripe';
import { createSyncCustomer } from './syncCustomer';
import type { CustomerSyncClients } from './types';

/** The activities of customerSyncWorkflow; they need only the two API clients. */
export function createCustomerSyncActivities(clients: CustomerSyncClients) {
  return {
    pollMonstockCustomers: createPollMonstockCustomers(clients.monstock),
    pollStripeCustomers: createPollStripeCustomers(clients.stripe),
    describeCustomerChanges: createDescribeCustomerChanges(clients),
    syncCustomer: createSyncCustomer(clients),
    describeAndSyncCustomer: createDescribeAndSyncCustomer(clients),
    describeAndSyncCustomers: createDescribeAndSyncCustomers(clients),
  };
}

export type CustomerSyncActivities = ReturnType<typeof createCustomerSyncActivities>;
export type { CustomerPollResult, CustomerSyncClients, SyncCustomerInput, SyncCustomerResult } from './types';
export type { DescribeChangesResult } from './describeChanges';
export type { DescribeAndSyncOutcome, DescribeAndSyncResult } from './describeAndSync';
