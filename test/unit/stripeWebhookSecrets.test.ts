import { StripeWebhookSecrets } from '../../src/starter/stripe/secrets';

/**
 * The webhook's set of valid secrets: the configured ones plus the managed endpoint's, read from
 * where setup stored it (the database; here a loader standing in for it, counted).
 */
describe('stripe webhook secrets', () => {
  function storedSecret(initial: string | undefined) {
    const state = { value: initial, reads: 0 };
    const load = async () => {
      state.reads += 1;
      return state.value;
    };
    return { state, load };
  }

  it('adds the managed secret to the configured ones and picks up a replaced one, at most once per interval', async () => {
    const { state, load } = storedSecret('whsec_managed_1');
    let now = 0;
    const secrets = new StripeWebhookSecrets({
      configured: ['whsec_configured'],
      load,
      reloadIntervalMs: 1000,
      now: () => now,
    });
    expect(await secrets.current()).toEqual(['whsec_configured', 'whsec_managed_1']);
    expect(await secrets.current()).toEqual(['whsec_configured', 'whsec_managed_1']);
    expect(state.reads).toBe(1);

    state.value = 'whsec_managed_2';
    now = 500;
    expect(await secrets.reload()).toBe(false);
    expect(state.reads).toBe(1);
    now = 1500;
    expect(await secrets.reload()).toBe(true);
    expect(await secrets.current()).toEqual(['whsec_configured', 'whsec_managed_2']);
    now = 3000;
    expect(await secrets.reload()).toBe(false);
    expect(state.reads).toBe(3);
  });

  it('keeps the secret read before when the store cannot be read', async () => {
    let fail = false;
    let now = 0;
    const secrets = new StripeWebhookSecrets({
      configured: ['whsec_configured'],
      load: async () => {
        if (fail) throw new Error('database down');
        return 'whsec_managed_1';
      },
      reloadIntervalMs: 0,
      now: () => now,
    });
    expect(await secrets.current()).toEqual(['whsec_configured', 'whsec_managed_1']);
    fail = true;
    now = 10;
    expect(await secrets.reload()).toBe(false);
    expect(await secrets.current()).toEqual(['whsec_configured', 'whsec_managed_1']);
  });

  it('works without a stored secret, and without a store', async () => {
    const none = new StripeWebhookSecrets({ configured: ['whsec_a', 'whsec_b'], load: async () => undefined });
    expect(await none.current()).toEqual(['whsec_a', 'whsec_b']);
    const without = new StripeWebhookSecrets({ configured: ['whsec_a'] });
    expect(await without.current()).toEqual(['whsec_a']);
    expect(await without.reload()).toBe(false);
  });
});
