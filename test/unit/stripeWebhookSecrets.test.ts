import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { managedSecretFile, readManagedSecret, writeManagedSecret } from '../../src/starter/stripe/secretFile';
import { StripeWebhookSecrets } from '../../src/starter/stripe/secrets';

/** The managed endpoint's secret file and the webhook's set of valid secrets. */
describe('stripe webhook secrets', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stripe-secrets-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the secret file readable by its owner only, and reads it back', () => {
    const file = managedSecretFile(path.join(dir, 'data'), 'shop-2');
    expect(path.basename(file)).toBe('stripe-webhook-secret.shop-2');
    writeManagedSecret(file, { endpointId: 'we_1', secret: 'whsec_managed_1' });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(readManagedSecret(file)).toEqual({ endpointId: 'we_1', secret: 'whsec_managed_1' });
    expect(readManagedSecret(path.join(dir, 'missing'))).toBeUndefined();
  });

  it('accepts a bare secret pasted into the file by hand', () => {
    const file = path.join(dir, 'stripe-webhook-secret.default');
    fs.writeFileSync(file, 'whsec_by_hand\n');
    expect(readManagedSecret(file)).toEqual({ secret: 'whsec_by_hand' });
  });

  it('adds the managed secret to the configured ones and picks up a replaced file, at most once per interval', () => {
    const file = path.join(dir, 'stripe-webhook-secret.default');
    writeManagedSecret(file, { endpointId: 'we_1', secret: 'whsec_managed_1' });
    let now = 0;
    const secrets = new StripeWebhookSecrets({
      configured: ['whsec_configured'],
      file,
      reloadIntervalMs: 1000,
      now: () => now,
    });
    expect(secrets.current()).toEqual(['whsec_configured', 'whsec_managed_1']);

    writeManagedSecret(file, { endpointId: 'we_2', secret: 'whsec_managed_2' });
    now = 500;
    expect(secrets.reload()).toBe(false);
    now = 1500;
    expect(secrets.reload()).toBe(true);
    expect(secrets.current()).toEqual(['whsec_configured', 'whsec_managed_2']);
    now = 3000;
    expect(secrets.reload()).toBe(false);
  });

  it('works without a file', () => {
    const secrets = new StripeWebhookSecrets({ configured: ['whsec_a', 'whsec_b'], file: path.join(dir, 'none') });
    expect(secrets.current()).toEqual(['whsec_a', 'whsec_b']);
  });
});
