import { recordBalanceTransaction } from './balanceTransactions';
import type { AdminRoute, ApiRoute, Origin, SandboxContext } from './context';
import { ok, SYSTEM_ORIGIN } from './context';
import { invalidRequest, resourceMissing } from './errors';
import { previousAttributes } from './eventBus';
import { disputeFee } from './fees';
import { newId } from './ids';
import { column, createdConditions, expandObject, field, LIST_PARAMS, listObjects, readPage } from './list';
import { applyMetadata, type Params } from './params';
import type { BalanceTransaction, Charge, Dispute, StripeObject } from './types';

/**
 * Disputes as Stripe's test mode plays them: opened shortly after a `pm_card_createDispute`
 * payment (or on demand through `/_sandbox/charges/:id/dispute`), funds and the 15.00 fee
 * withdrawn at once; evidence whose `uncategorized_text` is `winning_evidence` wins it (amount
 * and fee reinstated), `losing_evidence` loses it; closing it accepts the loss.
 */
export const DECIDE_DISPUTE_JOB = 'dispute.decide';

export const EVIDENCE_FIELDS = [
  'access_activity_log',
  'billing_address',
  'cancellation_policy',
  'cancellation_policy_disclosure',
  'cancellation_rebuttal',
  'customer_communication',
  'customer_email_address',
  'customer_name',
  'customer_purchase_ip',
  'customer_signature',
  'duplicate_charge_documentation',
  'duplicate_charge_explanation',
  'duplicate_charge_id',
  'product_description',
  'receipt',
  'refund_policy',
  'refund_policy_disclosure',
  'refund_refusal_explanation',
  'service_date',
  'service_documentation',
  'shipping_address',
  'shipping_carrier',
  'shipping_date',
  'shipping_documentation',
  'shipping_tracking_number',
  'uncategorized_file',
  'uncategorized_text',
] as const;

const OPEN: readonly string[] = ['needs_response', 'warning_needs_response'];
const DAY = 24 * 60 * 60;

export function openDispute(
  ctx: SandboxContext,
  chargeId: string,
  reason = 'fraudulent',
  origin: Origin = SYSTEM_ORIGIN,
): Dispute {
  const charge = ctx.store.find<Charge>('charge', chargeId);
  if (!charge) throw resourceMissing('charge', chargeId);
  if (charge.status !== 'succeeded')
    throw invalidRequest(
      `Charge ${charge.id} has a status of ${charge.status}; only a succeeded charge can be disputed.`,
      'charge',
    );
  if (charge.disputed) throw invalidRequest(`Charge ${charge.id} is already disputed.`, 'charge');
  const id = newId('dp');
  const now = ctx.clock.nowSeconds();
  const fee = disputeFee(charge.currency);
  const withdrawal = recordBalanceTransaction(ctx, {
    amount: -charge.amount,
    currency: charge.currency,
    type: 'adjustment',
    reportingCategory: 'dispute',
    source: id,
    description: `Chargeback withdrawal for ${charge.id}`,
    fee,
    feeDetails: [
      { amount: fee, application: null, currency: charge.currency, description: 'Dispute fee', type: 'stripe_fee' },
    ],
  });
  const card = charge.payment_method_details.type === 'card' ? charge.payment_method_details.card : undefined;
  const dispute: Dispute = {
    id,
    object: 'dispute',
    amount: charge.amount,
    balance_transactions: [withdrawal.id],
    charge: charge.id,
    created: now,
    currency: charge.currency,
    enhanced_eligibility_types: [],
    evidence: { ...Object.fromEntries(EVIDENCE_FIELDS.map((name) => [name, null])), enhanced_evidence: {} },
    evidence_details: {
      due_by: now + 7 * DAY,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
      submission_method: 'not_submitted',
    },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    network_reason_code: '10.4',
    payment_intent: charge.payment_intent,
    payment_method_details: card
      ? {
          type: 'card',
          card: { brand: card.brand, case_type: 'chargeback', network: card.brand, network_reason_code: '10.4' },
        }
      : null,
    reason,
    status: 'needs_response',
  };
  ctx.store.insert(dispute);
  const disputedCharge: Charge = { ...charge, disputed: true };
  ctx.store.save(disputedCharge);
  ctx.events.emit('charge.dispute.created', dispute, origin);
  ctx.events.emit('charge.dispute.funds_withdrawn', dispute, origin);
  return dispute;
}

function requireDispute(ctx: SandboxContext, id: string): Dispute {
  const dispute = ctx.store.find<Dispute>('dispute', id);
  if (!dispute) throw resourceMissing('dispute', id);
  return dispute;
}

export function decideDispute(
  ctx: SandboxContext,
  id: string,
  outcome: 'won' | 'lost',
  origin: Origin = SYSTEM_ORIGIN,
): Dispute {
  const current = requireDispute(ctx, id);
  if (current.status === 'won' || current.status === 'lost') return current;
  const next: Dispute = { ...current, status: outcome };
  if (outcome === 'won') {
    const fee = disputeFee(current.currency);
    const reinstatement = recordBalanceTransaction(ctx, {
      amount: current.amount,
      currency: current.currency,
      type: 'adjustment',
      reportingCategory: 'dispute_reversal',
      source: current.id,
      description: `Chargeback reversal for ${current.charge}`,
      fee: -fee,
      feeDetails: [
        {
          amount: -fee,
          application: null,
          currency: current.currency,
          description: 'Dispute fee refund',
          type: 'stripe_fee',
        },
      ],
    });
    next.balance_transactions = [...current.balance_transactions, reinstatement.id];
  }
  ctx.store.save(next);
  if (outcome === 'won') ctx.events.emit('charge.dispute.funds_reinstated', next, origin);
  ctx.events.emit('charge.dispute.closed', next, origin);
  return next;
}

/** Stripe answers a dispute's balance transactions as objects, not ids. */
export function presentDispute(ctx: Pick<SandboxContext, 'store' | 'present'>) {
  return (object: StripeObject): StripeObject => {
    const dispute = object as unknown as Dispute;
    const transactions = dispute.balance_transactions.map((id) => {
      const found = ctx.store.find<BalanceTransaction>('balance_transaction', id);
      return found ? ctx.present(found) : id;
    });
    return { ...object, balance_transactions: transactions };
  };
}

export function disputeRoutes(ctx: SandboxContext): ApiRoute[] {
  const answer = (dispute: Dispute, expand: string[]) =>
    ok(expandObject(ctx.store, ctx.present(dispute), expand, ctx.present));
  return [
    {
      method: 'GET',
      path: '/v1/disputes',
      handler: ({ params }) => {
        params.allow([...LIST_PARAMS, 'charge', 'created', 'payment_intent', 'status']);
        const charge = params.string('charge', { max: 255 });
        const paymentIntent = params.string('payment_intent', { max: 255 });
        const status = params.string('status', { max: 50 });
        return ok(
          listObjects(ctx.store, {
            type: 'dispute',
            url: '/v1/disputes',
            page: readPage(params),
            conditions: [
              ...(charge ? [column('charge', charge)] : []),
              ...(paymentIntent ? [column('payment_intent', paymentIntent)] : []),
              ...(status ? [field('status', status)] : []),
              ...createdConditions(params.created()),
            ],
            expand: params.expand(),
            present: ctx.present,
          }),
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/disputes/:id',
      handler: ({ params, path }) => {
        params.allow([]);
        return answer(requireDispute(ctx, path.id as string), params.expand());
      },
    },
    {
      method: 'POST',
      path: '/v1/disputes/:id',
      handler: ({ params, path, origin }) => {
        params.allow(['evidence', 'intended_submission_method', 'metadata', 'submit']);
        const current = requireDispute(ctx, path.id as string);
        const evidence = params.object('evidence', [...EVIDENCE_FIELDS, 'enhanced_evidence']);
        const submissionMethod = params.oneOf('intended_submission_method', [
          'manual',
          'prefer_manual',
          'prefer_smart_disputes',
          'smart_disputes',
        ] as const);
        const submit = params.boolean('submit') ?? true;
        const next: Dispute = { ...current, metadata: applyMetadata(current.metadata, params.metadata()) };
        if (submissionMethod) next.intended_submission_method = submissionMethod;
        const touchesEvidence = evidence !== undefined || params.has('submit');
        if (touchesEvidence && !OPEN.includes(current.status)) {
          throw invalidRequest(
            `This dispute is already ${current.status === 'under_review' ? 'under review' : 'closed'}; its evidence can no longer be changed.`,
            'evidence',
            'dispute_already_closed',
          );
        }
        if (evidence) {
          const merged = { ...current.evidence };
          for (const name of evidence.keys()) {
            if (name === 'enhanced_evidence') {
              const enhanced = evidence.object(name, [
                'mastercard_compliance',
                'visa_compelling_evidence_3',
                'visa_compliance',
              ]) as Params;
              merged[name] = enhanced.raw;
            } else {
              merged[name] = evidence.nullableString(name, { max: 150_000 }) ?? null;
            }
          }
          next.evidence = merged;
          const hasEvidence = EVIDENCE_FIELDS.some((name) => merged[name] !== null && merged[name] !== undefined);
          next.evidence_details = { ...current.evidence_details, has_evidence: hasEvidence };
        }
        if (touchesEvidence && submit) {
          next.status = 'under_review';
          next.evidence_details = {
            ...next.evidence_details,
            submission_count: current.evidence_details.submission_count + 1,
            submission_method: 'manual',
          };
        }
        const previous = previousAttributes(current, next);
        if (Object.keys(previous).length === 0) return answer(current, params.expand());
        ctx.store.save(next);
        ctx.events.emit('charge.dispute.updated', next, origin, previous);
        // Stripe's test evidence strings decide the outcome shortly after submission.
        const text = typeof next.evidence.uncategorized_text === 'string' ? next.evidence.uncategorized_text : '';
        if (next.status === 'under_review' && current.status !== 'under_review') {
          if (text.includes('winning_evidence'))
            ctx.scheduler.schedule(DECIDE_DISPUTE_JOB, `${next.id}:won`, ctx.settings.disputeDelayMs);
          else if (text.includes('losing_evidence'))
            ctx.scheduler.schedule(DECIDE_DISPUTE_JOB, `${next.id}:lost`, ctx.settings.disputeDelayMs);
        }
        return answer(next, params.expand());
      },
    },
    {
      method: 'POST',
      path: '/v1/disputes/:id/close',
      handler: ({ params, path, origin }) => {
        params.allow([]);
        const current = requireDispute(ctx, path.id as string);
        if (!OPEN.includes(current.status)) {
          throw invalidRequest(
            `This dispute has a status of ${current.status} and can no longer be closed.`,
            'dispute',
            'dispute_already_closed',
          );
        }
        return answer(decideDispute(ctx, current.id, 'lost', origin), params.expand());
      },
    },
  ];
}

export function disputeAdminRoutes(ctx: SandboxContext): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: '/_sandbox/charges/:id/dispute',
      handler: ({ path }) => ok(ctx.present(openDispute(ctx, path.id as string))),
    },
  ];
}

/** Job target `dp_x:won` / `dp_x:lost`. */
export function runDisputeDecision(ctx: SandboxContext, target: string): void {
  const [id, outcome] = target.split(':');
  if (!id || (outcome !== 'won' && outcome !== 'lost')) throw new Error(`bad dispute decision target ${target}`);
  decideDispute(ctx, id, outcome);
}
