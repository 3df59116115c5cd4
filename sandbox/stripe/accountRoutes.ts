import { z } from 'zod';
import { ACCOUNT_ID, type AccountType, type StripeAccount } from './accounts';
import type { AdminRoute, ApiRoute, SandboxContext } from './context';
import { ok } from './context';
import { invalidRequest, resourceMissing } from './errors';
import { LIST_PARAMS, readPage } from './list';
import { applyMetadata } from './params';

/**
 * Stripe's account endpoints: `GET /v1/account` (the account the request acts for) and, for a
 * platform, Connect's `POST/GET /v1/accounts` (its connected accounts). The knob
 * `POST /_sandbox/accounts` connects an account to a platform without the API, for tests that
 * want a known id; `GET /_sandbox/accounts` lists every account with its platform.
 */
const ACCOUNT_TYPES: readonly AccountType[] = ['standard', 'express', 'custom'];
const COUNTRY = /^[A-Z]{2}$/;
const CURRENCY = /^[a-z]{3}$/;

const connectKnobBody = z
  .object({
    /** The platform's secret key; the sandbox's own key when left out. */
    platformKey: z
      .string()
      .regex(/^sk_test_[A-Za-z0-9_]+$/)
      .optional(),
    id: z.string().regex(ACCOUNT_ID).optional(),
    type: z.enum(['standard', 'express', 'custom']).default('express'),
    country: z.string().regex(COUNTRY).optional(),
    metadata: z.record(z.string(), z.string().max(500)).optional(),
  })
  .strict();

export function accountRoutes(ctx: SandboxContext): ApiRoute[] {
  const current = (): string => {
    const account = ctx.store.currentAccount;
    if (account === null) throw new Error('account routes run as an account');
    return account;
  };
  const connectedOfCurrent = (id: string): StripeAccount => {
    const account = ctx.accounts.platformOf(id) === current() ? ctx.accounts.find(id) : undefined;
    if (!account) throw resourceMissing('account', id);
    return account;
  };
  return [
    {
      method: 'GET',
      path: '/v1/account',
      handler: ({ params }) => {
        params.allow(['expand']);
        const account = ctx.accounts.find(current());
        if (!account) throw resourceMissing('account', current());
        return ok(account);
      },
    },
    {
      method: 'POST',
      path: '/v1/accounts',
      handler: ({ params }) => {
        params.allow([
          'business_profile',
          'business_type',
          'capabilities',
          'controller',
          'country',
          'default_currency',
          'email',
          'metadata',
          'type',
        ]);
        if (ctx.accounts.platformOf(current()) !== null)
          throw invalidRequest(
            "You can only create new accounts if you've signed up for Connect, which you can learn how to do at https://stripe.com/docs/connect.",
          );
        const type = params.string('type', { required: true, max: 20 }) as AccountType;
        if (!ACCOUNT_TYPES.includes(type))
          throw invalidRequest(`Invalid type: must be one of ${ACCOUNT_TYPES.join(', ')}`, 'type');
        const country = params.string('country', { max: 2 });
        if (country !== undefined && !COUNTRY.test(country))
          throw invalidRequest(`Invalid country: ${country}`, 'country');
        const defaultCurrency = params.string('default_currency', { max: 3 })?.toLowerCase();
        if (defaultCurrency !== undefined && !CURRENCY.test(defaultCurrency))
          throw invalidRequest(`Invalid currency: ${defaultCurrency}`, 'default_currency');
        const email = params.string('email', { max: 800 });
        const created = ctx.accounts.connect(current(), {
          type,
          ...(country ? { country } : {}),
          ...(defaultCurrency ? { defaultCurrency } : {}),
          ...(email ? { email } : {}),
          metadata: applyMetadata({}, params.metadata()),
        });
        if (!created) throw new Error('a fresh account id collided');
        return ok(created);
      },
    },
    {
      method: 'GET',
      path: '/v1/accounts/:id',
      handler: ({ params, path }) => {
        params.allow(['expand']);
        return ok(connectedOfCurrent(path.id as string));
      },
    },
    {
      method: 'GET',
      path: '/v1/accounts',
      handler: ({ params }) => {
        params.allow([...LIST_PARAMS, 'created']);
        // A platform has few connected accounts here: one page, newest first, from the cursor on.
        const page = readPage(params);
        let accounts = ctx.accounts.connectedTo(current());
        if (page.startingAfter !== undefined) {
          const at = accounts.findIndex((account) => account.id === page.startingAfter);
          if (at < 0) throw resourceMissing('account', page.startingAfter, 'starting_after');
          accounts = accounts.slice(at + 1);
        }
        if (page.endingBefore !== undefined) {
          const at = accounts.findIndex((account) => account.id === page.endingBefore);
          if (at < 0) throw resourceMissing('account', page.endingBefore, 'ending_before');
          accounts = accounts.slice(Math.max(0, at - page.limit), at);
        }
        return ok({
          object: 'list',
          data: accounts.slice(0, page.limit),
          has_more: accounts.length > page.limit,
          url: '/v1/accounts',
        });
      },
    },
  ];
}

export function accountAdminRoutes(ctx: SandboxContext, defaultKey: string): AdminRoute[] {
  return [
    { method: 'GET', path: '/_sandbox/accounts', handler: () => ok({ accounts: ctx.accounts.all() }) },
    {
      method: 'POST',
      path: '/_sandbox/accounts',
      handler: ({ body }) => {
        const parsed = connectKnobBody.safeParse(body);
        if (!parsed.success) throw invalidRequest(z.prettifyError(parsed.error));
        const { platformKey, id, type, country, metadata } = parsed.data;
        const platform = ctx.accounts.ensureForKey(platformKey ?? defaultKey);
        if (ctx.accounts.platformOf(platform) !== null)
          throw invalidRequest('A connected account cannot be a platform.');
        const created = ctx.accounts.connect(platform, {
          type,
          ...(id ? { id } : {}),
          ...(country ? { country } : {}),
          ...(metadata ? { metadata } : {}),
        });
        if (!created) throw invalidRequest(`An account with id ${id ?? ''} already exists.`, 'id');
        return ok({ ...created, platform });
      },
    },
  ];
}
