/**
 * The Stripe objects this sandbox stores, in Stripe's documented shapes (a useful subset of
 * fields; every object carries `id`, `object`, `created` in unix seconds and `livemode: false`).
 * Related objects are stored as ids; `expand[]` swaps them for objects on the way out.
 * Type aliases rather than interfaces, so they fit `Record<string, unknown>` for the store.
 */
export type Metadata = Record<string, string>;

export type StripeObject = { id: string; object: string; created: number } & Record<string, unknown>;

export type Address = {
  city: string | null;
  country: string | null;
  line1: string | null;
  line2: string | null;
  postal_code: string | null;
  state: string | null;
};

export type Customer = {
  id: string;
  object: 'customer';
  address: Address | null;
  balance: number;
  created: number;
  currency: string | null;
  default_source: null;
  delinquent: boolean;
  description: string | null;
  discount: null;
  email: string | null;
  invoice_prefix: string;
  invoice_settings: {
    custom_fields: null;
    default_payment_method: string | null;
    footer: null;
    rendering_options: null;
  };
  livemode: false;
  metadata: Metadata;
  name: string | null;
  next_invoice_sequence: number;
  phone: string | null;
  preferred_locales: string[];
  shipping: null;
  tax_exempt: 'none' | 'exempt' | 'reverse';
  test_clock: null;
};

/** A charge's card details: the card plus what the authorization produced. */
export type CardPaymentDetails = CardDetails & {
  amount_authorized: number | null;
  authorization_code: string | null;
  /** Manual capture only: when an uncaptured authorisation expires (unix seconds). */
  capture_before?: number;
  checks: Record<string, string | null> | null;
  electronic_commerce_indicator: string | null;
  installments: null;
  mandate: null;
  network: string;
  network_transaction_id: string | null;
  regulated_status: 'regulated' | 'unregulated' | null;
  three_d_secure: null;
  transaction_link_id: string | null;
  wallet: null;
};

export type CardDetails = {
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  funding: 'credit' | 'debit' | 'prepaid' | 'unknown';
  country: string;
  fingerprint: string;
};

export type SepaDebitDetails = {
  bank_code: string;
  branch_code: string;
  country: string;
  fingerprint: string;
  last4: string;
};

export type PaymentMethodType = 'card' | 'sepa_debit';

export type BillingDetails = {
  address: Address;
  email: string | null;
  name: string | null;
  phone: string | null;
  tax_id: string | null;
};

export type PaymentMethod = {
  id: string;
  object: 'payment_method';
  billing_details: BillingDetails;
  card?: CardDetails & {
    checks: Record<string, string | null>;
    display_brand: string;
    generated_from: null;
    networks: { available: string[]; preferred: null };
    regulated_status: 'regulated' | 'unregulated' | null;
    three_d_secure_usage: { supported: boolean };
    wallet: null;
  };
  sepa_debit?: SepaDebitDetails & { generated_from: { charge: null; setup_attempt: null } };
  created: number;
  customer: string | null;
  customer_account: null;
  livemode: false;
  metadata: Metadata;
  type: PaymentMethodType;
};

export type PaymentError = {
  type: 'card_error' | 'invalid_request_error';
  code: string;
  decline_code?: string;
  message: string;
  doc_url?: string;
  charge?: string;
  payment_method?: PaymentMethod;
  payment_method_type?: string;
};

/** Only the 3-D Secure shape: Stripe.js reads `use_stripe_sdk`, whose content is Stripe's own. */
export type NextAction = {
  type: 'use_stripe_sdk';
  use_stripe_sdk: { type: 'three_d_secure_redirect'; stripe_js: string; source: string };
};

export type PaymentIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'canceled'
  | 'succeeded';

export type PaymentIntent = {
  id: string;
  object: 'payment_intent';
  /** What the caller allowed (null = not restricted); `payment_method_types` is what applies. */
  allowed_payment_method_types: string[] | null;
  amount: number;
  amount_capturable: number;
  amount_details: { tip: Record<string, never> };
  amount_received: number;
  application: null;
  application_fee_amount: null;
  automatic_payment_methods: { enabled: boolean; allow_redirects?: 'always' | 'never' } | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  capture_method: 'automatic' | 'automatic_async' | 'manual';
  client_secret: string;
  confirmation_method: 'automatic' | 'manual';
  created: number;
  currency: string;
  customer: string | null;
  customer_account: null;
  description: string | null;
  excluded_payment_method_types: string[] | null;
  last_payment_error: PaymentError | null;
  latest_charge: string | null;
  livemode: false;
  managed_payments: null;
  metadata: Metadata;
  next_action: NextAction | null;
  on_behalf_of: null;
  payment_method: string | null;
  payment_method_configuration_details: null;
  payment_method_options: Record<string, unknown>;
  payment_method_types: string[];
  payment_record: null;
  processing: null;
  receipt_email: string | null;
  review: null;
  setup_future_usage: 'off_session' | 'on_session' | null;
  shipping: null;
  source: null;
  statement_descriptor: string | null;
  statement_descriptor_suffix: string | null;
  status: PaymentIntentStatus;
  transfer_data: null;
  transfer_group: null;
};

export type ChargeOutcome = {
  advice_code: string | null;
  network_advice_code: string | null;
  network_decline_code: string | null;
  network_status: 'approved_by_network' | 'declined_by_network' | 'not_sent_to_network';
  reason: string | null;
  risk_level: 'normal' | 'elevated' | 'highest' | 'not_assessed';
  risk_score: number;
  seller_message: string;
  type: 'authorized' | 'issuer_declined' | 'blocked' | 'invalid';
};

export type Charge = {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  application: null;
  application_fee: null;
  application_fee_amount: null;
  balance_transaction: string | null;
  billing_details: BillingDetails;
  calculated_statement_descriptor: string;
  captured: boolean;
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  disputed: boolean;
  failure_balance_transaction: null;
  failure_code: string | null;
  failure_message: string | null;
  fraud_details: Record<string, string>;
  livemode: false;
  metadata: Metadata;
  on_behalf_of: null;
  outcome: ChargeOutcome | null;
  paid: boolean;
  payment_intent: string | null;
  payment_method: string | null;
  payment_method_details:
    | { type: 'card'; card: CardPaymentDetails }
    | { type: 'sepa_debit'; sepa_debit: SepaDebitDetails & { mandate: string | null } };
  receipt_email: string | null;
  receipt_number: null;
  receipt_url: string;
  refunded: boolean;
  review: null;
  shipping: null;
  source: null;
  source_transfer: null;
  statement_descriptor: string | null;
  statement_descriptor_suffix: string | null;
  status: 'succeeded' | 'pending' | 'failed';
  transfer_data: null;
  transfer_group: null;
};

export type RefundStatus = 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled';

export type Refund = {
  id: string;
  object: 'refund';
  amount: number;
  balance_transaction: string | null;
  charge: string;
  created: number;
  currency: string;
  customer: string | null;
  customer_account: null;
  destination_details: Record<string, unknown>;
  failure_balance_transaction: string | null;
  failure_reason: string | null;
  metadata: Metadata;
  payment_intent: string | null;
  payment_method: string | null;
  reason: 'duplicate' | 'fraudulent' | 'requested_by_customer' | null;
  receipt_number: null;
  source_transfer_reversal: null;
  status: RefundStatus;
  transfer_reversal: null;
};

export type FeeDetail = {
  amount: number;
  application: null;
  currency: string;
  description: string;
  type: 'stripe_fee' | 'application_fee' | 'tax';
};

export type BalanceTransactionType =
  'charge' | 'refund' | 'refund_failure' | 'adjustment' | 'payment' | 'payment_refund';

export type BalanceTransaction = {
  id: string;
  object: 'balance_transaction';
  amount: number;
  available_on: number;
  balance_type: 'payments';
  created: number;
  currency: string;
  description: string | null;
  exchange_rate: number | null;
  fee: number;
  fee_details: FeeDetail[];
  net: number;
  reporting_category: string;
  source: string;
  /** Stored as written; answered as `available` once `available_on` has passed. */
  status: 'available' | 'pending';
  type: BalanceTransactionType;
};

export type DisputeStatus =
  | 'warning_needs_response'
  | 'warning_under_review'
  | 'warning_closed'
  | 'needs_response'
  | 'under_review'
  | 'won'
  | 'lost';

export type Dispute = {
  id: string;
  object: 'dispute';
  amount: number;
  /** Stored as ids; answered as full objects, as Stripe does. */
  balance_transactions: string[];
  charge: string;
  created: number;
  currency: string;
  enhanced_eligibility_types: string[];
  /** Text fields, plus `enhanced_evidence` (an object). */
  evidence: Record<string, unknown>;
  evidence_details: {
    due_by: number;
    enhanced_eligibility: Record<string, unknown>;
    has_evidence: boolean;
    past_due: boolean;
    submission_count: number;
    submission_method: 'manual' | 'not_submitted';
  };
  intended_submission_method: 'manual' | 'prefer_manual' | 'prefer_smart_disputes' | 'smart_disputes' | null;
  is_charge_refundable: boolean;
  livemode: false;
  metadata: Metadata;
  network_reason_code: string | null;
  payment_intent: string | null;
  payment_method_details: {
    type: 'card';
    card: { brand: string; case_type: 'chargeback' | 'inquiry'; network: string; network_reason_code: string | null };
  } | null;
  reason: string;
  status: DisputeStatus;
};

export type EventRequest = { id: string | null; idempotency_key: string | null };

export type StripeEvent = {
  id: string;
  object: 'event';
  /** Set on a connected account's events only (Connect); a platform's own events have none. */
  account?: string;
  api_version: string;
  created: number;
  data: { object: StripeObject; previous_attributes?: Record<string, unknown> };
  livemode: false;
  /** Kept current from the delivery table when answered. */
  pending_webhooks: number;
  request: EventRequest;
  type: string;
};

export type WebhookEndpoint = {
  id: string;
  object: 'webhook_endpoint';
  api_version: string | null;
  application: null;
  created: number;
  description: string | null;
  enabled_events: string[];
  livemode: false;
  metadata: Metadata;
  status: 'enabled' | 'disabled';
  url: string;
};

export type CheckoutLineItem = {
  id: string;
  object: 'item';
  amount_discount: number;
  amount_subtotal: number;
  amount_tax: number;
  amount_total: number;
  currency: string;
  description: string;
  price: {
    id: string;
    object: 'price';
    active: boolean;
    currency: string;
    product: string;
    type: 'one_time';
    unit_amount: number;
    livemode: false;
    created: number;
    metadata: Metadata;
  };
  quantity: number;
};

/**
 * Payment-mode sessions only; the many settings this sandbox does not model (tax, shipping,
 * promotion codes, consent...) are answered with Stripe's "not set" values.
 */
export type CheckoutSession = {
  id: string;
  object: 'checkout.session';
  adaptive_pricing: null;
  after_expiration: null;
  allow_promotion_codes: null;
  allowed_payment_method_types: string[] | null;
  amount_subtotal: number;
  amount_total: number;
  automatic_tax: { enabled: false; liability: null; provider: null; status: null };
  billing_address_collection: null;
  cancel_url: string | null;
  client_reference_id: string | null;
  client_secret: null;
  collected_information: null;
  consent: null;
  consent_collection: null;
  created: number;
  currency: string;
  currency_conversion: null;
  custom_fields: [];
  custom_text: { after_submit: null; shipping_address: null; submit: null; terms_of_service_acceptance: null };
  customer: string | null;
  customer_account: null;
  customer_creation: 'if_required' | 'always' | null;
  customer_details: {
    address: null;
    business_name: null;
    email: string | null;
    individual_name: null;
    name: string | null;
    phone: null;
    tax_exempt: 'none';
    tax_ids: [];
  } | null;
  customer_email: string | null;
  discounts: [];
  expires_at: number;
  integration_identifier: null;
  invoice: null;
  invoice_creation: null;
  livemode: false;
  locale: string | null;
  managed_payments: null;
  metadata: Metadata;
  mode: 'payment';
  origin_context: null;
  payment_intent: string | null;
  payment_link: null;
  payment_method_collection: 'always' | 'if_required' | null;
  payment_method_configuration_details: null;
  payment_method_options: Record<string, unknown>;
  payment_method_types: string[];
  payment_status: 'paid' | 'unpaid' | 'no_payment_required';
  permissions: null;
  recovered_from: null;
  saved_payment_method_options: null;
  setup_intent: null;
  shipping_address_collection: null;
  shipping_cost: null;
  shipping_options: [];
  status: 'open' | 'complete' | 'expired';
  submit_type: 'auto' | 'book' | 'donate' | 'pay' | 'subscribe' | null;
  subscription: null;
  success_url: string | null;
  total_details: { amount_discount: number; amount_shipping: number; amount_tax: number };
  ui_mode: string;
  url: string | null;
  wallet_options: null;
};
