import { parseIgnoreRules, parseMatchRules, type MatchSettings } from '../../src/matching/matchRules';
import {
  checkOrderNamed,
  ignoredBecause,
  needsCheckout,
  orderNamings,
  type CheckoutNaming,
} from '../../src/matching/orderCheck';

/**
 * The write-time check (src/matching/orderCheck.ts): does the intent, as Stripe shows it now, name
 * the order the event was routed to? Pure: Monstock's answers are handed in as `resolved`.
 */
const ORDER_A = 'ord_A';
const ORDER_B = 'ord_B';
const REF_A = 'SO-1001';

const defaults: MatchSettings = {
  rules: parseMatchRules('metadata:monstock_order_id,client_reference_id'),
  ignore: [],
};
const byReference: MatchSettings = {
  rules: parseMatchRules('metadata:order_number,client_reference_id'),
  ignore: parseIgnoreRules('integration=other-shop'),
};

function check(
  settings: MatchSettings,
  orderId: string,
  metadata: Record<string, string>,
  options: { checkout?: CheckoutNaming; resolved?: Record<string, string | undefined> } = {},
) {
  const namings = orderNamings(settings, metadata, options.checkout);
  const resolved = new Map(Object.entries(options.resolved ?? {}));
  return checkOrderNamed(orderId, namings, resolved, ignoredBecause(settings, metadata, options.checkout));
}

describe('checkOrderNamed', () => {
  it('confirms an intent whose metadata names the order by id', () => {
    expect(check(defaults, ORDER_A, { monstock_order_id: ORDER_A })).toEqual({
      kind: 'confirmed',
      via: 'metadata.monstock_order_id',
    });
    // A configured rule holding the order id itself needs no lookup either.
    expect(check(byReference, ORDER_A, { order_number: ORDER_A })).toEqual({
      kind: 'confirmed',
      via: 'metadata.order_number',
    });
  });

  it('confirms an intent whose metadata names the order by its reference (resolved as the matcher does)', () => {
    expect(check(byReference, ORDER_A, { order_number: REF_A }, { resolved: { [REF_A]: ORDER_A } })).toEqual({
      kind: 'confirmed',
      via: 'metadata.order_number',
    });
  });

  it("confirms through the Checkout session's client_reference_id when the intent's metadata says nothing", () => {
    const checkout = { clientReferenceId: REF_A, metadata: {} };
    expect(needsCheckout(defaults, {})).toBe(true);
    expect(check(defaults, ORDER_A, {}, { checkout, resolved: { [REF_A]: ORDER_A } })).toEqual({
      kind: 'confirmed',
      via: 'client_reference_id',
    });
    expect(check(defaults, ORDER_B, {}, { checkout, resolved: { [REF_A]: ORDER_A } })).toMatchObject({
      kind: 'mismatch',
      namedOrderId: ORDER_A,
    });
  });

  it('refuses an intent naming another order, by id or by reference', () => {
    expect(check(defaults, ORDER_B, { monstock_order_id: ORDER_A })).toEqual({
      kind: 'mismatch',
      namedOrderId: ORDER_A,
      reason: `the payment names Monstock order ${ORDER_A} (metadata.monstock_order_id=${ORDER_A}), not order ${ORDER_B}`,
    });
    expect(check(byReference, ORDER_B, { order_number: REF_A }, { resolved: { [REF_A]: ORDER_A } })).toMatchObject({
      kind: 'mismatch',
      namedOrderId: ORDER_A,
    });
  });

  it('refuses an intent naming no order', () => {
    expect(check(defaults, ORDER_B, {}, { checkout: undefined })).toMatchObject({
      kind: 'mismatch',
      reason: expect.stringContaining('no match rule finds a value') as unknown as string,
    });
    // A value that resolves to no order names none.
    expect(check(byReference, ORDER_B, { order_number: 'SO-404' }, { resolved: { 'SO-404': undefined } })).toEqual({
      kind: 'mismatch',
      reason: `no Monstock order for metadata.order_number=SO-404, so nothing names order ${ORDER_B}`,
    });
  });

  it("the connector's own key decides before the configured rules (an operator's attach)", () => {
    // Attaching writes monstock_order_id = the chosen order on the intent, whatever the rules read.
    const attached = { order_number: REF_A, monstock_order_id: ORDER_B };
    expect(needsCheckout(byReference, attached)).toBe(false);
    expect(check(byReference, ORDER_B, attached, { resolved: { [REF_A]: ORDER_A } })).toEqual({
      kind: 'confirmed',
      via: 'metadata.monstock_order_id',
    });
    expect(check(byReference, ORDER_A, attached, { resolved: { [REF_A]: ORDER_A } })).toMatchObject({
      kind: 'mismatch',
      namedOrderId: ORDER_B,
    });
  });

  it('takes the first rule that names an order, as the matcher does', () => {
    const metadata = { order_number: 'SO-404' };
    const checkout = { clientReferenceId: REF_A, metadata: {} };
    expect(
      check(byReference, ORDER_A, metadata, { checkout, resolved: { 'SO-404': undefined, [REF_A]: ORDER_A } }),
    ).toEqual({ kind: 'confirmed', via: 'client_reference_id' });
  });

  it("leaves another integration's payment alone", () => {
    expect(check(byReference, ORDER_A, { integration: 'other-shop', order_number: ORDER_A })).toEqual({
      kind: 'ignored',
      reason: "metadata.integration=other-shop marks it as another integration's",
    });
  });
});
