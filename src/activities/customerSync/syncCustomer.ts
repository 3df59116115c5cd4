import type Stripe from 'stripe';
import { newestWins, targetFields, whoseChange, type Side } from '../../customers/conflict';
import {
  MONSTOCK_STRIPE_ID_KEY,
  MONSTOCK_SYNC_HASH_KEY,
  STRIPE_MONSTOCK_ID_KEY,
  STRIPE_SYNC_HASH_KEY,
} from '../../customers/crossRefs';
import type { CustomerFields } from '../../customers/fields';
import { fingerprint } from '../../customers/fingerprint';
import { ownWriteMarker } from '../../customers/ownWrites';
import {
  fieldsFromMonstock,
  monstockCreateInput,
  monstockFieldPatch,
  monstockLink,
} from '../../customers/monstockMapping';
import { fieldsFromStripe, stripeCreateParams, stripeFieldParams, stripeLink } from '../../customers/stripeMapping';
import { stripeCreateKey, stripeUpdateKey } from '../../customers/syncKeys';
import { VersionConflict } from '../../monstock/errors';
import type { Customer, CustomerInput } from '../../monstock/schemas';
import type { PendingCustomerChange } from '../../shared/customerSync';
import { withActivityFailures } from '../failures';
import { loadPair, rejected } from './pair';
import { lastStripeEdit } from './stripeChangeTime';
import { createStripeCustomer, updateStripeCustomer } from './stripeCustomers';
import type { CustomerSyncClients, SyncCustomerInput, SyncCustomerResult } from './types';

/**
 * Brings one customer into line on both sides: read both fresh, decide, write. Safe to retry
 * from the top: a VersionConflict from Monstock (someone edited meanwhile) or a timeout re-reads and
 * decides again, and Stripe writes carry idempotency keys derived from stable ids.
 */
export function createSyncCustomer(clients: CustomerSyncClients) {
  return async function syncCustomer(input: SyncCustomerInput): Promise<SyncCustomerResult> {
    return withActivityFailures(() => syncOneCustomer(clients, input));
  };
}

/** The sync itself, its errors as thrown (Monstock's named errors included) for callers that react to one. */
export async function syncOneCustomer(
  clients: CustomerSyncClients,
  input: SyncCustomerInput,
): Promise<SyncCustomerResult> {
  const pair = await loadPair(clients, input.change);
  if ('skipped' in pair)
    return {
      ...idsOf(input.change),
      fieldsWritten: { monstock: false, stripe: false },
      linkedByEmail: false,
      conflict: false,
      skipped: pair.skipped,
    };
  if (pair.monstock && !pair.stripe) return createInStripe(clients, input.connectionId, pair.monstock);
  if (pair.stripe && !pair.monstock) return createInMonstock(clients, input.connectionId, pair.stripe);
  if (!pair.monstock || !pair.stripe) throw rejected(`change ${input.change.key} found no customer`);
  return reconcile(clients, input, pair.monstock, pair.stripe, pair.linkedByEmail);
}

function idsOf(change: PendingCustomerChange): Pick<SyncCustomerResult, 'monstockId' | 'stripeId'> {
  return {
    ...(change.monstockId ? { monstockId: change.monstockId } : {}),
    ...(change.stripeId ? { stripeId: change.stripeId } : {}),
  };
}

/** Stripe first, with the link back; then Monstock's cross-reference, guarded by its version. */
async function createInStripe(
  clients: CustomerSyncClients,
  connectionId: string,
  monstock: Customer,
): Promise<SyncCustomerResult> {
  const fields = fieldsFromMonstock(monstock);
  const hash = fingerprint(fields);
  const created = await createStripeCustomer(
    clients.stripe,
    stripeCreateParams(fields, { [STRIPE_MONSTOCK_ID_KEY]: monstock.id, [STRIPE_SYNC_HASH_KEY]: hash }),
    stripeCreateKey(connectionId, monstock.id, monstock.version),
  );
  try {
    await clients.monstock.updateCustomer(
      monstock.id,
      {
        externalRefs: {
          [MONSTOCK_STRIPE_ID_KEY]: created.id,
          [MONSTOCK_SYNC_HASH_KEY]: hash,
          ...ownWriteMarker(monstock.version),
        },
      },
      monstock.version,
    );
  } catch (error) {
    if (!(error instanceof VersionConflict) || !(await writtenMeanwhile(clients, monstock.id, created.id, hash)))
      throw error;
  }
  return {
    monstockId: monstock.id,
    stripeId: created.id,
    created: 'stripe',
    fieldsWritten: { monstock: false, stripe: true },
    linkedByEmail: false,
    conflict: false,
  };
}

/**
 * A new customer with an order is linked twice at once, by design: the order's workflow needs its
 * Stripe customer now (stripeCustomerForOrder) while the customer sync handles Monstock's
 * `customer.created`. Both go through this sync with the same idempotency keys (one Stripe
 * customer) and write the same link under `If-Match` of the same version, so the second write
 * meets a 412: whether the other one had created the Stripe customer before this one read both
 * sides (then this one reconciles the pair) or not (then both create it). The 412 is done, with no
 * retry, when Monstock now shows exactly what this write would have left: the same Stripe
 * customer and fingerprint, with fields that still hash to it. Anything else (a person's edit in
 * between, another link) is a real conflict: thrown, and the retry reads both sides again.
 */
async function writtenMeanwhile(
  clients: CustomerSyncClients,
  monstockId: string,
  stripeId: string,
  hash: string,
): Promise<boolean> {
  const current = await clients.monstock.findCustomer(monstockId);
  if (current === undefined) return false;
  const link = monstockLink(current);
  return link.stripeId === stripeId && link.hash === hash && fingerprint(fieldsFromMonstock(current)) === hash;
}

/**
 * Monstock has no idempotency keys: the guard is that the new record carries the Stripe id, so a
 * retry finds it by e-mail (pointing back at this Stripe customer) before it would create again.
 */
async function createInMonstock(
  clients: CustomerSyncClients,
  connectionId: string,
  stripe: Stripe.Customer,
): Promise<SyncCustomerResult> {
  const fields = fieldsFromStripe(stripe);
  if (fields.email === undefined || fields.name === undefined)
    throw rejected(`Stripe customer ${stripe.id} has no e-mail, which Monstock requires`);
  const hash = fingerprint(fields);
  const created = await clients.monstock.createCustomer(
    monstockCreateInput(
      { ...fields, email: fields.email, name: fields.name },
      { [MONSTOCK_STRIPE_ID_KEY]: stripe.id, [MONSTOCK_SYNC_HASH_KEY]: hash },
    ),
  );
  await updateStripeCustomer(
    clients.stripe,
    stripe.id,
    { metadata: { [STRIPE_MONSTOCK_ID_KEY]: created.id, [STRIPE_SYNC_HASH_KEY]: hash } },
    stripeUpdateKey(connectionId, stripe.id, created.id, created.version, hash),
  );
  return {
    monstockId: created.id,
    stripeId: stripe.id,
    created: 'monstock',
    fieldsWritten: { monstock: true, stripe: false },
    linkedByEmail: false,
    conflict: false,
  };
}

async function reconcile(
  clients: CustomerSyncClients,
  input: SyncCustomerInput,
  monstock: Customer,
  stripe: Stripe.Customer,
  linkedByEmail: boolean,
): Promise<SyncCustomerResult> {
  const monstockFields = fieldsFromMonstock(monstock);
  const stripeFields = fieldsFromStripe(stripe);
  const monstockRefs = monstockLink(monstock);
  const stripeRefs = stripeLink(stripe);
  const whose = whoseChange(
    { fingerprint: fingerprint(monstockFields), storedHash: monstockRefs.hash },
    { fingerprint: fingerprint(stripeFields), storedHash: stripeRefs.hash },
  );
  const winner: Side | 'equal' =
    whose === 'both'
      ? newestWins(monstock.updatedAt, await stripeEditTime(clients, monstock, stripe, input.change))
      : whose;
  const target: CustomerFields =
    winner === 'equal' ? monstockFields : targetFields(winner, monstockFields, stripeFields);
  const hash = fingerprint(target);

  const monstockFieldChanges = monstockFieldPatch(monstockFields, target);
  const monstockPatch: CustomerInput = { ...monstockFieldChanges };
  const externalRefs: Record<string, string> = {};
  if (monstockRefs.stripeId !== stripe.id) externalRefs[MONSTOCK_STRIPE_ID_KEY] = stripe.id;
  if (monstockRefs.hash !== hash) externalRefs[MONSTOCK_SYNC_HASH_KEY] = hash;
  // Only with a write: the marker lets the webhook edge drop Monstock's echo of it (src/customers/ownWrites.ts).
  if (Object.keys(monstockPatch).length > 0 || Object.keys(externalRefs).length > 0)
    monstockPatch.externalRefs = { ...externalRefs, ...ownWriteMarker(monstock.version) };

  const stripeFieldChanges = stripeFieldParams(stripeFields, target, stripe.address?.state);
  const stripeParams: Stripe.CustomerUpdateParams = { ...stripeFieldChanges };
  const metadata: Record<string, string> = {};
  if (stripeRefs.monstockId !== monstock.id) metadata[STRIPE_MONSTOCK_ID_KEY] = monstock.id;
  if (stripeRefs.hash !== hash) metadata[STRIPE_SYNC_HASH_KEY] = hash;
  if (Object.keys(metadata).length > 0) stripeParams.metadata = metadata;

  const writeMonstock = async () => {
    if (Object.keys(monstockPatch).length === 0) return;
    try {
      await clients.monstock.updateCustomer(monstock.id, monstockPatch, monstock.version);
    } catch (error) {
      if (!(error instanceof VersionConflict) || !(await writtenMeanwhile(clients, monstock.id, stripe.id, hash)))
        throw error;
    }
  };
  const writeStripe = async () => {
    if (Object.keys(stripeParams).length > 0) {
      await updateStripeCustomer(
        clients.stripe,
        stripe.id,
        stripeParams,
        stripeUpdateKey(input.connectionId, stripe.id, monstock.id, monstock.version, hash),
      );
    }
  };
  // The losing side first: until the winner's fingerprint is updated last, a crash in between
  // leaves the winner still marked as edited, so the retry reaches the same decision.
  if (winner === 'stripe') {
    await writeMonstock();
    await writeStripe();
  } else {
    await writeStripe();
    await writeMonstock();
  }
  return {
    monstockId: monstock.id,
    stripeId: stripe.id,
    fieldsWritten: {
      monstock: Object.keys(monstockFieldChanges).length > 0,
      stripe: Object.keys(stripeFieldChanges).length > 0,
    },
    linkedByEmail,
    conflict: whose === 'both',
    winner,
  };
}

/** Only for a conflict: Stripe's last edit by someone else, at or after Monstock's (see lastStripeEdit). */
async function stripeEditTime(
  clients: CustomerSyncClients,
  monstock: Customer,
  stripe: Stripe.Customer,
  change: PendingCustomerChange,
): Promise<number | undefined> {
  const since = Math.floor(Date.parse(monstock.updatedAt) / 1000);
  const found = await lastStripeEdit(clients.stripe, stripe.id, since);
  if (found.kind === 'found') return found.at;
  if (found.kind === 'none') return undefined;
  return change.stripeChangedAt;
}
