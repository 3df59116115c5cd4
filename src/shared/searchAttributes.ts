import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes, so an operator finds "order A-1042" in the Web UI. They carry ids,
 * references and statuses only: never names, e-mails or addresses (search attributes are not encrypted).
 */
export const ConnectionId = defineSearchAttributeKey('ConnectionId', SearchAttributeType.KEYWORD);
export const MonstockOrderId = defineSearchAttributeKey('MonstockOrderId', SearchAttributeType.KEYWORD);
export const MonstockOrderReference = defineSearchAttributeKey('MonstockOrderReference', SearchAttributeType.KEYWORD);
export const StripePaymentIntentIds = defineSearchAttributeKey(
  'StripePaymentIntentIds',
  SearchAttributeType.KEYWORD_LIST,
);
export const OrderPaymentStatus = defineSearchAttributeKey('OrderPaymentStatus', SearchAttributeType.KEYWORD);
export const PaymentUnmatched = defineSearchAttributeKey('PaymentUnmatched', SearchAttributeType.BOOL);
export const NeedsAttention = defineSearchAttributeKey('NeedsAttention', SearchAttributeType.BOOL);
export const CancelledAfterPayment = defineSearchAttributeKey('CancelledAfterPayment', SearchAttributeType.BOOL);
/** When the order's card authorisation lapses unless captured (capture at shipment); empty otherwise. */
export const AuthorizationExpiresAt = defineSearchAttributeKey('AuthorizationExpiresAt', SearchAttributeType.DATETIME);
/** How many customers customerSyncWorkflow has set aside (a count, never who). */
export const CustomerSyncFailures = defineSearchAttributeKey('CustomerSyncFailures', SearchAttributeType.INT);

/**
 * Set by Temporal on every workflow a schedule starts: the time the action was due (not when it ran). Temporal's own,
 * never registered by us.
 */
export const TemporalScheduledStartTime = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);

export const ALL_SEARCH_ATTRIBUTES = [
  ConnectionId,
  MonstockOrderId,
  MonstockOrderReference,
  StripePaymentIntentIds,
  OrderPaymentStatus,
  PaymentUnmatched,
  NeedsAttention,
  CancelledAfterPayment,
  AuthorizationExpiresAt,
  CustomerSyncFailures,
] as const;
