import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError, loadConfig, productionProblems, SETTINGS, withDevelopmentValues } from '../../src/config';
import type { SettingDefinition } from '../../src/config/settings';
import { TEST_MONSTOCK_TOKEN, TEST_MONSTOCK_WEBHOOK_SECRET } from '../support/monstockSandbox';
import { TEST_STRIPE_KEY, TEST_STRIPE_WEBHOOK_SECRET } from '../support/stripeSandbox';
import { TEST_ENCRYPTION_KEYS } from '../support/temporal';
import { fakeLiveKey } from '../support/fakeKeys';

const root = path.resolve(__dirname, '../..');

/** What an operator sets: secrets of their own, https everywhere. CONNECTOR_MODE unset: production. */
const good: NodeJS.ProcessEnv = {
  PAYLOAD_ENCRYPTION_KEYS: `prod-2026:${randomBytes(32).toString('base64')}`,
  MONSTOCK_API_URL: 'https://api.monstock.example/v1',
  MONSTOCK_API_TOKEN: 'mtok-9f2c4e7a1b3d5f60',
  MONSTOCK_WEBHOOK_SECRET: 'mwh-3b7e9d1f2a4c6e80',
  STRIPE_SECRET_KEY: fakeLiveKey('sk', '51Hx9f2c4e7a1b3d5f60'),
  STRIPE_WEBHOOK_SECRET: 'whsec_7a1b3d5f609f2c4e',
  ADMIN_TOKEN: 'adm-5f609f2c4e7a1b3d5f609f2c4e7a1b3d',
  PUBLIC_WEBHOOK_URL: 'https://connector.example.com',
  DATABASE_URL: 'postgres://connector:pw-3d5f609f2c4e@db.internal:5432/connector',
};

const developmentSecrets = (Object.values(SETTINGS) as Array<SettingDefinition<unknown>>).filter(
  (definition) => definition.developmentValue !== undefined,
);

/** The ConfigError loadConfig throws for `env`, or a failure when it starts. */
function refusal(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected production to refuse this configuration');
}

describe('production mode (the default)', () => {
  it('refuses to start without DATABASE_URL, naming it and never showing a value', () => {
    const { DATABASE_URL: _unset, ...withoutDatabase } = good;
    const problems = productionProblems(withoutDatabase);
    expect(problems).toEqual([expect.stringMatching(/^DATABASE_URL must be set in production/)]);
    expect(productionProblems(good)).toEqual([]);
  });

  it('starts with secrets of its own and https everywhere', () => {
    const config = loadConfig(good);
    expect(config.mode).toBe('production');
    expect(productionProblems(good)).toEqual([]);
  });

  it('is the mode when CONNECTOR_MODE is unset or empty', () => {
    expect(loadConfig({ ...good, CONNECTOR_MODE: '' }).mode).toBe('production');
    expect(loadConfig(withDevelopmentValues({})).mode).toBe('development');
  });

  it.each(developmentSecrets.map((definition) => [definition.name, definition.developmentValue!]))(
    'refuses the development value of %s, naming it and never showing the value',
    (name, value) => {
      const message = refusal({ ...good, [name]: value });
      expect(message).toMatch(new RegExp(`${name} is a development or test value`));
      expect(message).not.toContain(value);
      // The same value is what development mode is for.
      expect(() => loadConfig({ ...good, [name]: value, CONNECTOR_MODE: 'development' })).not.toThrow();
    },
  );

  it.each([
    ['PAYLOAD_ENCRYPTION_KEYS', TEST_ENCRYPTION_KEYS.map((key) => `${key.id}:${key.key.toString('base64')}`).join()],
    ['MONSTOCK_API_TOKEN', TEST_MONSTOCK_TOKEN],
    ['MONSTOCK_WEBHOOK_SECRET', TEST_MONSTOCK_WEBHOOK_SECRET],
    ['STRIPE_SECRET_KEY', TEST_STRIPE_KEY],
    ['STRIPE_WEBHOOK_SECRET', TEST_STRIPE_WEBHOOK_SECRET],
  ])('refuses the test fixtures’ %s', (name, value) => {
    expect(refusal({ ...good, [name]: value })).toMatch(new RegExp(`${name} is a development or test value`));
  });

  it('refuses the development payload key under another id, and a development secret kept for rotation', () => {
    const developmentKey = SETTINGS.PAYLOAD_ENCRYPTION_KEYS.developmentValue!.split(':')[1]!;
    const message = refusal({
      ...good,
      PAYLOAD_ENCRYPTION_KEYS: `${good.PAYLOAD_ENCRYPTION_KEYS},renamed:${developmentKey}`,
      STRIPE_WEBHOOK_SECRET: `${good.STRIPE_WEBHOOK_SECRET}, ${SETTINGS.STRIPE_WEBHOOK_SECRET.developmentValue}`,
    });
    expect(message).toMatch(/PAYLOAD_ENCRYPTION_KEYS is a development or test value/);
    expect(message).toMatch(/STRIPE_WEBHOOK_SECRET is a development or test value/);
    expect(message).not.toContain(developmentKey);
  });

  it('refuses every secret .env.example leads to, all in one error: empty ones as missing, development ones as known', () => {
    const example = parseEnv(fs.readFileSync(path.join(root, '.env.example'), 'utf8')) as NodeJS.ProcessEnv;
    const missing = refusal({ ...example });
    for (const definition of developmentSecrets) expect(missing).toMatch(new RegExp(`${definition.name} is required`));
    // What `npm start` fills those with is no better: .env.example keeps CONNECTOR_MODE=production.
    const developmentFilled = refusal(withDevelopmentValues({ ...example }));
    for (const definition of developmentSecrets) {
      expect(developmentFilled).toMatch(new RegExp(`${definition.name} is a development or test value`));
      expect(developmentFilled).not.toContain(definition.developmentValue);
    }
  });

  it.each(['MONSTOCK_API_TOKEN', 'MONSTOCK_WEBHOOK_SECRET', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'])(
    'names %s when it is missing',
    (name) => {
      expect(refusal({ ...good, [name]: undefined })).toMatch(new RegExp(`${name} is required`));
    },
  );

  describe('a live Stripe key goes to Stripe alone', () => {
    it.each([
      [fakeLiveKey('sk', '51Hx9f2c4e7a1b3d5f60'), 'http://127.0.0.1:4020'],
      [fakeLiveKey('rk', '51Hx9f2c4e7a1b3d5f60'), 'https://stripe-proxy.example.com'],
      [fakeLiveKey('sk', '51Hx9f2c4e7a1b3d5f60'), 'https://api.stripe.com.attacker.example'],
      [fakeLiveKey('sk', '51Hx9f2c4e7a1b3d5f60'), 'https://api.stripe.com:8443'],
    ])('refuses %s with STRIPE_API_URL=%s, naming STRIPE_API_URL', (key, url) => {
      const message = refusal({ ...good, STRIPE_SECRET_KEY: key, STRIPE_API_URL: url });
      expect(message).toMatch(/STRIPE_API_URL must be unset or https:\/\/api\.stripe\.com/);
      expect(message).not.toContain(key);
    });

    it.each([undefined, 'https://api.stripe.com', 'https://api.stripe.com/'])('accepts STRIPE_API_URL=%s', (url) => {
      expect(() => loadConfig({ ...good, STRIPE_API_URL: url })).not.toThrow();
    });

    it('lets a test key of your own reach a sandbox on loopback', () => {
      const env = { ...good, STRIPE_SECRET_KEY: 'sk_test_4f1e9a7c2b5d8e3f', STRIPE_API_URL: 'http://127.0.0.1:4020' };
      expect(() => loadConfig(env)).not.toThrow();
    });
  });

  describe('credentials never travel in clear', () => {
    it.each(['MONSTOCK_API_URL', 'STRIPE_API_URL', 'PUBLIC_WEBHOOK_URL', 'OIDC_ISSUER'])(
      'refuses http:// to a remote host in %s, naming it',
      (name) => {
        const env = { ...good, STRIPE_SECRET_KEY: 'sk_test_4f1e9a7c2b5d8e3f', [name]: 'http://remote.example.com/v1' };
        expect(refusal(env)).toMatch(new RegExp(`${name} must use https:// for a host other than loopback`));
      },
    );

    it.each(['http://127.0.0.1:4010/v1', 'http://localhost:4010/v1', 'http://[::1]:4010/v1', 'http://127.8.0.1/v1'])(
      'allows loopback %s',
      (url) => {
        expect(() => loadConfig({ ...good, MONSTOCK_API_URL: url })).not.toThrow();
      },
    );

    it('never shows user information written into a URL', () => {
      const message = refusal({ ...good, MONSTOCK_API_URL: 'http://user:hunter2-password@monstock.example.com/v1' });
      expect(message).toMatch(/MONSTOCK_API_URL must use https/);
      expect(message).not.toContain('hunter2-password');
    });
  });

  it('collects every problem, settings and production checks alike, into one ConfigError', () => {
    const message = refusal({
      ...good,
      PORT: 'eighty',
      MONSTOCK_API_TOKEN: SETTINGS.MONSTOCK_API_TOKEN.developmentValue,
      STRIPE_API_URL: 'http://stripe-proxy.example.com',
      ADMIN_TOKEN: undefined,
    });
    expect(message).toMatch(/PORT is invalid/);
    expect(message).toMatch(/MONSTOCK_API_TOKEN is a development or test value/);
    expect(message).toMatch(/STRIPE_API_URL must be unset or https:\/\/api\.stripe\.com/);
    expect(message).toMatch(/STRIPE_API_URL must use https/);
    expect(message).toMatch(/ADMIN_TOKEN is required/);
  });

  it('checks as production when CONNECTOR_MODE is misspelled', () => {
    const message = refusal({ ...good, CONNECTOR_MODE: 'dev', MONSTOCK_API_TOKEN: 'monstock-dev-token' });
    expect(message).toMatch(/CONNECTOR_MODE is invalid/);
    expect(message).toMatch(/MONSTOCK_API_TOKEN is a development or test value/);
  });
});

describe('development values stay out of production entries', () => {
  /** Every .ts file under src/, recursively. */
  function sources(dir: string): string[] {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((entry) =>
        entry.isDirectory()
          ? sources(path.join(dir, entry.name))
          : entry.name.endsWith('.ts')
            ? [path.join(dir, entry.name)]
            : [],
      );
  }

  it('no file of src/ outside src/config fills in development values unless CONNECTOR_MODE=development was asked for', () => {
    const offenders: string[] = [];
    for (const file of sources(path.join(root, 'src'))) {
      if (file.startsWith(path.join(root, 'src/config'))) continue;
      fs.readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          if (/withDevelopmentValues\(/.test(line) && !/CONNECTOR_MODE === 'development'/.test(line))
            offenders.push(`${path.relative(root, file)}:${index + 1}`);
        });
    }
    expect(offenders).toEqual([]);
  });
});
