import type { SandboxRequest } from '../kit/http';
import { accountIdForKey, type Accounts } from './accounts';
import { maskKey, presentedKey } from './auth';
import { stripeError } from './errors';

/**
 * Which account an authenticated API request acts for: its key's own account, or, with a
 * `Stripe-Account: acct_...` header, one of that account's connected accounts. Anything else
 * in the header is refused as Stripe refuses it (403, `account_invalid`).
 */
export function stripeAccountHeader(headers: SandboxRequest['headers']): string | undefined {
  const value = headers['stripe-account'];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function accountResolver(accounts: Accounts): (request: SandboxRequest) => string {
  return (request) => {
    // The shell authenticated the request before the handler runs, so a key is there.
    const key = presentedKey(request) ?? '';
    const own = accounts.ensureForKey(key);
    const asked = stripeAccountHeader(request.headers);
    if (asked === undefined || asked === own) return own;
    if (accounts.platformOf(asked) === own) return asked;
    throw stripeError(403, {
      type: 'invalid_request_error',
      code: 'account_invalid',
      message: `The provided key '${maskKey(key)}' does not have access to account '${asked}' (or that account does not exist). Application access may have been revoked.`,
    });
  };
}

/**
 * The account a request was for, as the request log records it: the `Stripe-Account` header when
 * given, else the key's own account; null for a request without a key. Pure (no lookups), so it
 * also names requests the shell refused before any handler ran.
 */
export function claimedAccount(request: Pick<SandboxRequest, 'headers'>): string | null {
  const asked = stripeAccountHeader(request.headers);
  if (asked !== undefined) return asked;
  const key = presentedKey(request);
  return key ? accountIdForKey(key) : null;
}
