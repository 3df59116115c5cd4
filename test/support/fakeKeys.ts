/**
 * A key shaped like a live Stripe key, for tests of what the connector does with one. Assembled
 * at run time so that nothing committed looks like a live key (secret scanners rightly stop those);
 * Stripe never issued it.
 */
export function fakeLiveKey(kind: 'sk' | 'rk', tail: string): string {
  return [kind, 'live', tail].join('_');
}
