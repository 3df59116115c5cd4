import { parseEncryptionKeys } from '../temporal/codec/encryptionCodec';
import { SETTINGS, type SettingDefinition, type SettingName } from './settings';

/**
 * What a production process (CONNECTOR_MODE unset or `production`) refuses to start with: anything
 * anyone who read this repository knows, and credentials that would travel in clear. Development
 * mode (`npm start`, the test stacks) skips these checks.
 *
 * Every problem names its variable and never shows a secret's value.
 */

/**
 * Secret values written in the repository outside the settings table: the test stacks' fixtures
 * (test/support) run in development mode, so none of them may run a production process either.
 * The settings table's own `developmentValue`s and secret defaults are added below.
 */
const OTHER_REPOSITORY_SECRETS: Partial<Record<SettingName, string[]>> = {
  MONSTOCK_API_TOKEN: ['monstock-test-token'],
  MONSTOCK_WEBHOOK_SECRET: ['monstock-test-webhook-secret'],
  STRIPE_SECRET_KEY: ['sk_test_monstock_stripe_tests_only'],
  STRIPE_WEBHOOK_SECRET: ['whsec_monstock_stripe_tests_only'],
  PAYLOAD_ENCRYPTION_KEYS: ['test-1:85aPhV5OfSnTV1RfQbkvpmyGat2XHnRnTCc/aK9rVm4='],
};

/** The one place a live Stripe key may be sent. */
export const STRIPE_PRODUCTION_API = 'https://api.stripe.com';

/** Settings whose URL carries credentials or fetches what verifies them: https unless loopback. */
const CREDENTIAL_URLS: SettingName[] = ['MONSTOCK_API_URL', 'STRIPE_API_URL', 'PUBLIC_WEBHOOK_URL', 'OIDC_ISSUER'];

function raw(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** The comparable parts of a secret: each rotation entry, and for payload keys the key bytes (an id is no secret). */
function secretParts(name: SettingName, value: string): string[] {
  if (name === 'PAYLOAD_ENCRYPTION_KEYS') {
    try {
      return parseEncryptionKeys(value).map((key) => key.key.toString('base64'));
    } catch {
      return []; // readSettings reports a malformed key
    }
  }
  const parts = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  return [value.trim(), ...parts];
}

/** Every secret value the repository holds, per setting, in the form `secretParts` compares. */
export function repositorySecrets(): Map<SettingName, Set<string>> {
  const known = new Map<SettingName, Set<string>>();
  for (const [name, definition] of Object.entries(SETTINGS) as Array<[SettingName, SettingDefinition<unknown>]>) {
    if (!definition.secret) continue;
    const values = [definition.developmentValue, definition.default, ...(OTHER_REPOSITORY_SECRETS[name] ?? [])];
    const parts = new Set<string>();
    for (const value of values) if (value) for (const part of secretParts(name, value)) parts.add(part);
    known.set(name, parts);
  }
  return known;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(host) ||
    /^::ffff:127(\.\d{1,3}){3}$/.test(host)
  );
}

/** A URL's scheme, host and port only: user information or a query may hold a credential. */
function shownUrl(url: string | undefined): string {
  if (url === undefined) return 'unset';
  try {
    return JSON.stringify(new URL(url).origin);
  } catch {
    return 'an invalid URL';
  }
}

function isStripeItself(url: string | undefined): boolean {
  if (url === undefined) return true; // unset: the SDK's default, Stripe itself
  try {
    const parsed = new URL(url);
    return (
      parsed.protocol === 'https:' &&
      parsed.hostname === 'api.stripe.com' &&
      (parsed.port === '' || parsed.port === '443') &&
      (parsed.pathname === '/' || parsed.pathname === '') &&
      parsed.username === '' &&
      parsed.password === ''
    );
  } catch {
    return false;
  }
}

/**
 * The problems that keep a production process from starting, read from the raw environment (so
 * they can be reported together with readSettings' own). Empty when production may start.
 */
export function productionProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];

  for (const [name, known] of repositorySecrets()) {
    const value = raw(env, name);
    if (value === undefined) {
      // A missing required secret is readSettings' to name; a secret's code default is public.
      if ((SETTINGS[name] as SettingDefinition<unknown>).default !== undefined)
        problems.push(`${name} must be set in production: its default is written in this repository`);
      continue;
    }
    if (secretParts(name, value).some((part) => known.has(part)))
      problems.push(
        `${name} is a development or test value shipped in this repository (.env.example, the settings table or the test fixtures); anyone who read the repository knows it, so production refuses it: set a secret of your own (or CONNECTOR_MODE=development for a local stack)`,
      );
  }

  if (raw(env, 'DATABASE_URL') === undefined)
    problems.push(
      'DATABASE_URL must be set in production: reports, the managed Stripe webhook secret and webhook health live in a PostgreSQL database every replica shares (postgres://user:password@host:5432/database)',
    );

  const stripeKey = raw(env, 'STRIPE_SECRET_KEY');
  const stripeUrl = raw(env, 'STRIPE_API_URL');
  if (stripeKey !== undefined && /^(sk|rk)_live_/.test(stripeKey) && !isStripeItself(stripeUrl))
    problems.push(
      `STRIPE_API_URL must be unset or ${STRIPE_PRODUCTION_API} with a live STRIPE_SECRET_KEY (sk_live_/rk_live_): a live key is sent to no other host (got ${shownUrl(stripeUrl)})`,
    );

  for (const name of CREDENTIAL_URLS) {
    const value = raw(env, name);
    if (value === undefined) continue;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      continue; // readSettings reports a malformed URL
    }
    if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname))
      problems.push(
        `${name} must use https:// for a host other than loopback: credentials would travel in clear (got ${shownUrl(value)})`,
      );
  }

  return problems;
}
