import crypto from 'node:crypto';
import type { SandboxRequest, SandboxResponse } from '../kit/http';
import { stripeErrorBody } from './errors';

/**
 * Keys come as Bearer (what the SDK sends) or as the Basic user name (what `curl -u sk_test_...:`
 * sends). The key the sandbox was started with is accepted, and so is any other well-formed test
 * secret key: each is its own Stripe account, created on first use (see accounts.ts). Live keys
 * and anything else are refused, in Stripe's wording.
 */
export function presentedKey(request: Pick<SandboxRequest, 'headers'>): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+(\S+)$/i.exec(header);
  if (basic)
    return Buffer.from(basic[1] as string, 'base64')
      .toString('utf8')
      .split(':')[0];
  return undefined;
}

/** Stripe shows a key's kind and last four characters, never the rest. */
export function maskKey(key: string): string {
  const kind = /^(sk|rk|pk)_(test|live)_/.exec(key)?.[0] ?? '';
  return `${kind}****${key.slice(-4)}`;
}

/** A test-mode secret key as Stripe issues them: `sk_test_` and letters, digits or underscores. */
const TEST_SECRET_KEY = /^sk_test_[A-Za-z0-9_]{1,247}$/;

function sameKey(a: string, b: string): boolean {
  const digest = (value: string) => crypto.createHash('sha256').update(value).digest();
  return crypto.timingSafeEqual(digest(a), digest(b));
}

export function authenticator(secretKey: string): (request: SandboxRequest) => SandboxResponse | undefined {
  return (request) => {
    const key = presentedKey(request);
    if (!key) {
      return {
        status: 401,
        headers: { 'www-authenticate': 'Bearer realm="Stripe"' },
        body: stripeErrorBody({
          type: 'invalid_request_error',
          message:
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://docs.stripe.com/api#authentication for details, or we can help at https://support.stripe.com/.",
        }),
      };
    }
    if (!sameKey(key, secretKey) && !TEST_SECRET_KEY.test(key)) {
      return {
        status: 401,
        headers: { 'www-authenticate': 'Bearer realm="Stripe"' },
        body: stripeErrorBody({ type: 'invalid_request_error', message: `Invalid API Key provided: ${maskKey(key)}` }),
      };
    }
    return undefined;
  };
}
