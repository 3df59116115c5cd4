import { newestWins, targetFields, whoseChange, type WhoseChange } from '../../src/customers/conflict';
import { choosePartner, type PartnerCandidate } from '../../src/customers/partner';

describe('customer conflict rule', () => {
  it.each<
    [string, { fingerprint: string; storedHash?: string }, { fingerprint: string; storedHash?: string }, WhoseChange]
  >([
    ['same fields on both sides', { fingerprint: 'A', storedHash: 'old' }, { fingerprint: 'A' }, 'equal'],
    ['only Monstock edited', { fingerprint: 'B', storedHash: 'A' }, { fingerprint: 'A', storedHash: 'A' }, 'monstock'],
    ['only Stripe edited', { fingerprint: 'A', storedHash: 'A' }, { fingerprint: 'C', storedHash: 'A' }, 'stripe'],
    ['both edited', { fingerprint: 'B', storedHash: 'A' }, { fingerprint: 'C', storedHash: 'A' }, 'both'],
    ['never synced and different (first link by e-mail)', { fingerprint: 'B' }, { fingerprint: 'C' }, 'both'],
    [
      'neither edited, yet different (broken base)',
      { fingerprint: 'B', storedHash: 'B' },
      { fingerprint: 'C', storedHash: 'C' },
      'both',
    ],
  ])('%s', (_name, monstock, stripe, expected) => {
    expect(whoseChange(monstock, stripe)).toBe(expected);
  });

  const at = (iso: string) => Math.floor(Date.parse(iso) / 1000);
  it.each<[string, string, number | undefined, 'monstock' | 'stripe']>([
    ['Stripe a second later wins', '2026-03-01T10:00:00.900Z', at('2026-03-01T10:00:01Z'), 'stripe'],
    ['Monstock a second later wins', '2026-03-01T10:00:02.000Z', at('2026-03-01T10:00:01Z'), 'monstock'],
    ['the same second is a tie: Monstock', '2026-03-01T10:00:00.001Z', at('2026-03-01T10:00:00Z'), 'monstock'],
    ['the same second, late in it: still Monstock', '2026-03-01T10:00:00.999Z', at('2026-03-01T10:00:00Z'), 'monstock'],
    ["no Stripe edit since Monstock's: Monstock", '2026-03-01T10:00:00.000Z', undefined, 'monstock'],
  ])('newest wins: %s', (_name, monstockUpdatedAt, stripeChangedAt, expected) => {
    expect(newestWins(monstockUpdatedAt, stripeChangedAt)).toBe(expected);
    // The same on every run.
    expect(newestWins(monstockUpdatedAt, stripeChangedAt)).toBe(expected);
  });

  it.each([
    [
      'Monstock wins: its fields',
      'monstock' as const,
      { email: 'm@x.test', name: 'M' },
      { email: 's@x.test', name: 'S', phone: '+1' },
      { email: 'm@x.test', name: 'M' },
    ],
    [
      'Stripe wins: its fields',
      'stripe' as const,
      { email: 'm@x.test', name: 'M' },
      { email: 's@x.test', name: 'S', phone: '+1' },
      { email: 's@x.test', name: 'S', phone: '+1' },
    ],
    [
      'Stripe wins without an e-mail: Monstock keeps its own',
      'stripe' as const,
      { email: 'm@x.test', name: 'M' },
      { phone: '+1' },
      { email: 'm@x.test', name: 'M', phone: '+1' },
    ],
  ])('target: %s', (_name, winner, monstock, stripe, expected) => {
    expect(targetFields(winner, monstock, stripe)).toEqual(expected);
  });
});

describe('partner by e-mail', () => {
  it.each<[string, PartnerCandidate[], string | undefined]>([
    ['none', [], undefined],
    ['the only free one', [{ id: 'cus_a', createdAt: 5 }], 'cus_a'],
    ['never one linked to someone else', [{ id: 'cus_a', createdAt: 1, linkedTo: 'mcu_other' }], undefined],
    [
      'the one pointing back first',
      [
        { id: 'cus_a', createdAt: 1 },
        { id: 'cus_b', createdAt: 9, linkedTo: 'mcu_self' },
      ],
      'cus_b',
    ],
    [
      'else the oldest',
      [
        { id: 'cus_b', createdAt: 9 },
        { id: 'cus_a', createdAt: 3 },
      ],
      'cus_a',
    ],
    [
      'same age: the smallest id',
      [
        { id: 'cus_b', createdAt: 3 },
        { id: 'cus_a', createdAt: 3 },
      ],
      'cus_a',
    ],
  ])('%s', (_name, candidates, expected) => {
    expect(choosePartner(candidates, 'mcu_self')).toBe(expected);
  });
});
