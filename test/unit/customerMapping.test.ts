import type Stripe from 'stripe';
import { canonicalFields, sameFields, type CustomerFields } from '../../src/customers/fields';
import {
  fieldsFromMonstock,
  monstockCreateInput,
  monstockFieldPatch,
  monstockLink,
} from '../../src/customers/monstockMapping';
import { fieldsFromStripe, stripeCreateParams, stripeFieldParams, stripeLink } from '../../src/customers/stripeMapping';

const stripeCustomer = (
  fields: Partial<Pick<Stripe.Customer, 'email' | 'name' | 'phone' | 'address' | 'metadata'>>,
) => ({
  email: null,
  name: null,
  phone: null,
  address: null,
  metadata: {},
  ...fields,
});

const stripeAddress = (address: Partial<Stripe.Address>): Stripe.Address => ({
  line1: null,
  line2: null,
  postal_code: null,
  city: null,
  country: null,
  state: null,
  ...address,
});

describe('customer field mapping', () => {
  it.each<[string, Parameters<typeof canonicalFields>[0], CustomerFields]>([
    [
      'trims and drops empty values',
      { email: ' ada@example.test ', name: 'Ada', phone: '  ', address: { line1: '', city: ' Paris ' } },
      { email: 'ada@example.test', name: 'Ada', address: { city: 'Paris' } },
    ],
    [
      'an address with no line is no address',
      { email: 'a@b.test', name: 'A', address: { line1: ' ', country: '' } },
      { email: 'a@b.test', name: 'A' },
    ],
    [
      'country in capitals',
      { email: 'a@b.test', name: 'A', address: { country: 'fr' } },
      { email: 'a@b.test', name: 'A', address: { country: 'FR' } },
    ],
    ['nulls are absent', { email: null, name: null, phone: null, address: null }, {}],
  ])('canonical form: %s', (_name, input, expected) => {
    expect(canonicalFields(input)).toEqual(expected);
  });

  it.each<[string, ReturnType<typeof stripeCustomer>, CustomerFields]>([
    [
      'a full Stripe customer',
      stripeCustomer({
        email: 'ada@example.test',
        name: 'Ada L',
        phone: '+33 6 01',
        address: stripeAddress({
          line1: '1 rue',
          line2: 'bis',
          postal_code: '75002',
          city: 'Paris',
          country: 'FR',
          state: 'IDF',
        }),
      }),
      {
        email: 'ada@example.test',
        name: 'Ada L',
        phone: '+33 6 01',
        address: { line1: '1 rue', line2: 'bis', postalCode: '75002', city: 'Paris', country: 'FR' },
      },
    ],
    [
      'a Checkout guest without a name takes the e-mail as its name',
      stripeCustomer({ email: 'guest@example.test' }),
      { email: 'guest@example.test', name: 'guest@example.test' },
    ],
    ['no e-mail and no name', stripeCustomer({ phone: '+1 555' }), { phone: '+1 555' }],
  ])('from Stripe: %s', (_name, customer, expected) => {
    expect(fieldsFromStripe(customer)).toEqual(expected);
  });

  it('reads the same fields from both sides for the same person', () => {
    const monstock = fieldsFromMonstock({
      email: 'ada@example.test',
      name: 'Ada',
      phone: '+33 6',
      address: { line1: '1 rue', postalCode: '75002', city: 'Paris', country: 'FR' },
    });
    const stripe = fieldsFromStripe(
      stripeCustomer({
        email: 'ada@example.test',
        name: 'Ada',
        phone: '+33 6',
        address: stripeAddress({ line1: '1 rue', postal_code: '75002', city: 'Paris', country: 'fr', state: 'X' }),
      }),
    );
    expect(sameFields(monstock, stripe)).toBe(true);
  });

  it.each<[string, CustomerFields, CustomerFields, ReturnType<typeof monstockFieldPatch>]>([
    ['nothing differs', { email: 'a@b.test', name: 'A' }, { email: 'a@b.test', name: 'A' }, {}],
    [
      'name and phone',
      { email: 'a@b.test', name: 'A' },
      { email: 'a@b.test', name: 'B', phone: '+1' },
      { name: 'B', phone: '+1' },
    ],
    [
      'phone cleared as ""',
      { email: 'a@b.test', name: 'A', phone: '+1' },
      { email: 'a@b.test', name: 'A' },
      { phone: '' },
    ],
    [
      'address replaced whole',
      { email: 'a@b.test', name: 'A', address: { city: 'Lyon', line1: 'x' } },
      { email: 'a@b.test', name: 'A', address: { city: 'Paris' } },
      { address: { city: 'Paris' } },
    ],
    [
      'address cleared as {}',
      { email: 'a@b.test', name: 'A', address: { city: 'Lyon' } },
      { email: 'a@b.test', name: 'A' },
      { address: {} },
    ],
    ['e-mail and name are never cleared', { email: 'a@b.test', name: 'A' }, {}, {}],
  ])('Monstock patch: %s', (_name, current, target, expected) => {
    expect(monstockFieldPatch(current, target)).toEqual(expected);
  });

  it.each<[string, CustomerFields, CustomerFields, Stripe.CustomerUpdateParams]>([
    ['nothing differs', { email: 'a@b.test', name: 'A' }, { email: 'a@b.test', name: 'A' }, {}],
    [
      'e-mail and name',
      { email: 'a@b.test', name: 'A' },
      { email: 'c@d.test', name: 'C' },
      { email: 'c@d.test', name: 'C' },
    ],
    [
      'phone cleared as ""',
      { email: 'a@b.test', name: 'A', phone: '+1' },
      { email: 'a@b.test', name: 'A' },
      { phone: '' },
    ],
    [
      'address cleared as ""',
      { email: 'a@b.test', name: 'A', address: { city: 'Lyon' } },
      { email: 'a@b.test', name: 'A' },
      { address: '' },
    ],
    [
      'address spelled out, state kept',
      { email: 'a@b.test', name: 'A' },
      { email: 'a@b.test', name: 'A', address: { line1: '1 rue', postalCode: '75002', city: 'Paris', country: 'FR' } },
      { address: { line1: '1 rue', line2: '', postal_code: '75002', city: 'Paris', country: 'FR', state: 'IDF' } },
    ],
  ])('Stripe params: %s', (_name, current, target, expected) => {
    expect(stripeFieldParams(current, target, 'IDF')).toEqual(expected);
  });

  it('what is written reads back as the target on the other side', () => {
    const target: CustomerFields = {
      email: 'ada@example.test',
      name: 'Ada',
      phone: '+33 6',
      address: { line1: '1 rue', city: 'Paris', country: 'FR' },
    };
    const created = stripeCreateParams(target, { monstock_customer_id: 'mcu_1' });
    const address = created.address as Stripe.AddressParam;
    const readBack = fieldsFromStripe(
      stripeCustomer({
        email: created.email ?? null,
        name: created.name ?? null,
        phone: created.phone ?? null,
        address: stripeAddress({
          line1: address.line1 ?? null,
          line2: address.line2 || null,
          city: address.city ?? null,
          country: address.country ?? null,
          postal_code: address.postal_code || null,
        }),
      }),
    );
    expect(readBack).toEqual(target);
    const input = monstockCreateInput(
      { ...target, email: 'ada@example.test', name: 'Ada' },
      { stripeCustomerId: 'cus_1' },
    );
    expect(
      fieldsFromMonstock({ email: input.email!, name: input.name!, phone: input.phone, address: input.address }),
    ).toEqual(target);
  });

  it('reads the cross-references, treating "" as none', () => {
    expect(monstockLink({ externalRefs: { stripeCustomerId: 'cus_1', stripeSyncHash: 'v1:x' } })).toEqual({
      stripeId: 'cus_1',
      hash: 'v1:x',
    });
    expect(monstockLink({ externalRefs: { stripeCustomerId: '' } })).toEqual({});
    expect(stripeLink({ metadata: { monstock_customer_id: 'mcu_1', monstock_sync_hash: 'v1:y' } })).toEqual({
      monstockId: 'mcu_1',
      hash: 'v1:y',
    });
    expect(stripeLink({ metadata: {} })).toEqual({});
  });
});
