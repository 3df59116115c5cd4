import { fingerprint, emailDigest } from '../../src/customers/fingerprint';
import { redactEmails } from '../../src/customers/redact';
import { stripeCreateKey, stripeUpdateKey, syncKeyOf } from '../../src/customers/syncKeys';
import type { CustomerFields } from '../../src/customers/fields';

const base: CustomerFields = {
  email: 'ada@example.test',
  name: 'Ada',
  phone: '+33 6',
  address: { line1: '1 rue', postalCode: '75002', city: 'Paris', country: 'FR' },
};

describe('customer fingerprint', () => {
  it('is stable and versioned', () => {
    expect(fingerprint(base)).toBe(fingerprint({ ...base, address: { ...base.address } }));
    expect(fingerprint(base)).toMatch(/^v1:[0-9a-f]{32}$/);
  });

  it.each<[string, CustomerFields]>([
    ['e-mail', { ...base, email: 'ada2@example.test' }],
    ['name', { ...base, name: 'Ada L' }],
    ['phone', { ...base, phone: undefined }],
    ['address line', { ...base, address: { ...base.address, line2: 'bis' } }],
    ['country', { ...base, address: { ...base.address, country: 'BE' } }],
    ['a value moved to another field', { ...base, name: '+33 6', phone: 'Ada' }],
  ])('changes with the %s', (_name, changed) => {
    expect(fingerprint(changed)).not.toBe(fingerprint(base));
  });
});

describe('customer sync keys', () => {
  it.each([
    ['linked: by Monstock id', { monstockId: 'mcu_1', email: 'a@b.test', stripeId: 'cus_1' }, 'm:mcu_1'],
    [
      'unlinked: by e-mail digest, the same for both sides and any case',
      { email: 'A@B.test', stripeId: 'cus_1' },
      `e:${emailDigest('a@b.test')}`,
    ],
    ['nothing else: by Stripe id', { stripeId: 'cus_1' }, 's:cus_1'],
  ])('%s', (_name, ids, expected) => {
    expect(syncKeyOf(ids)).toBe(expected);
  });

  it('never puts the e-mail itself in a key', () => {
    expect(syncKeyOf({ email: 'ada@example.test' })).not.toContain('ada');
  });

  it('derives Stripe idempotency keys from stable ids, distinct per version and target', () => {
    expect(stripeCreateKey('default', 'mcu_1', 3)).toBe(stripeCreateKey('default', 'mcu_1', 3));
    expect(stripeCreateKey('default', 'mcu_1', 3)).not.toBe(stripeCreateKey('default', 'mcu_1', 4));
    expect(stripeUpdateKey('default', 'cus_1', 'mcu_1', 3, 'v1:a')).not.toBe(
      stripeUpdateKey('default', 'cus_1', 'mcu_1', 3, 'v1:b'),
    );
    expect(stripeUpdateKey('default', 'cus_1', 'mcu_1', 3, fingerprint(base)).length).toBeLessThanOrEqual(255);
  });
});

describe('failure reasons', () => {
  it.each([
    [
      'Monstock POST /customers failed with 422 validation_failed: email: must be an email address (guest@mail..example.com)',
      'Monstock POST /customers failed with 422 validation_failed: email: must be an email address (<e-mail>)',
    ],
    ['Invalid email address: a.b@c', 'Invalid email address: <e-mail>'],
    ['no address here', 'no address here'],
  ])('are kept without e-mail addresses: %s', (input, expected) => {
    expect(redactEmails(input)).toBe(expected);
  });
});
