import crypto from 'node:crypto';
import type { SandboxDatabase } from '../kit/database';
import type { SandboxClock } from './clock';
import { randomBase62 } from './ids';

/**
 * Stripe accounts, as real Stripe has them: every secret key is one account's (created here on
 * the key's first use), and a platform account may own connected accounts (Stripe Connect) it
 * acts for with the `Stripe-Account` header. Kept in SQLite beside the objects, so a restart
 * keeps them; a key's account id is derived from the key, so it is the same after a reset too.
 */
export type AccountType = 'standard' | 'express' | 'custom';

export interface StripeAccount {
  id: string;
  object: 'account';
  business_type: string | null;
  capabilities: Record<string, string>;
  charges_enabled: boolean;
  controller?: { type: 'account' | 'application' };
  country: string;
  created: number;
  default_currency: string;
  details_submitted: boolean;
  email: string | null;
  metadata: Record<string, string>;
  payouts_enabled: boolean;
  type: AccountType;
}

export interface ConnectedAccountInput {
  id?: string;
  type: AccountType;
  country?: string;
  defaultCurrency?: string;
  email?: string | null;
  metadata?: Record<string, string>;
}

/** Stripe account ids: `acct_` and 16 base62 characters. */
export const ACCOUNT_ID = /^acct_[A-Za-z0-9]{16}$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The account a secret key belongs to: a hash of the key, so it never changes and never leaks it. */
export function accountIdForKey(secretKey: string): string {
  const digest = crypto.createHash('sha256').update(`stripe-sandbox-account:${secretKey}`).digest();
  let id = 'acct_';
  for (const byte of digest.subarray(0, 16)) id += BASE62[byte % 62];
  return id;
}

/** Stripe's defaults for a new account in this sandbox (a French merchant, as the connector's). */
const DEFAULT_COUNTRY = 'FR';
const DEFAULT_CURRENCY = 'eur';

export class Accounts {
  constructor(
    private readonly db: SandboxDatabase,
    private readonly clock: SandboxClock,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS stripe_accounts (
        id TEXT PRIMARY KEY,
        platform TEXT,
        data TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS stripe_accounts_platform ON stripe_accounts (platform);
    `);
  }

  /** The key's own account, created on first use (a standard account of its own). */
  ensureForKey(secretKey: string): string {
    const id = accountIdForKey(secretKey);
    if (!this.find(id)) this.insert(this.newAccount(id, { type: 'standard' }, null), null);
    return id;
  }

  find(id: string): StripeAccount | undefined {
    const row = this.db.prepare('SELECT data FROM stripe_accounts WHERE id = ?').get(id) as
      { data: string } | undefined;
    return row ? (JSON.parse(row.data) as StripeAccount) : undefined;
  }

  /** The platform a connected account belongs to; null for a key's own account or an unknown one. */
  platformOf(id: string): string | null {
    const row = this.db.prepare('SELECT platform FROM stripe_accounts WHERE id = ?').get(id) as
      { platform: string | null } | undefined;
    return row?.platform ?? null;
  }

  /** The platform's connected accounts, newest first. */
  connectedTo(platform: string): StripeAccount[] {
    const rows = this.db
      .prepare('SELECT data FROM stripe_accounts WHERE platform = ? ORDER BY rowid DESC')
      .all(platform) as Array<{ data: string }>;
    return rows.map((row) => JSON.parse(row.data) as StripeAccount);
  }

  /** Every account, for the operator's knob (`GET /_sandbox/accounts`). */
  all(): Array<{ id: string; platform: string | null }> {
    return this.db.prepare('SELECT id, platform FROM stripe_accounts ORDER BY rowid').all() as Array<{
      id: string;
      platform: string | null;
    }>;
  }

  /** A connected account under `platform`; false when the requested id is already taken. */
  connect(platform: string, input: ConnectedAccountInput): StripeAccount | false {
    const id = input.id ?? `acct_${randomBase62(16)}`;
    if (this.find(id)) return false;
    return this.insert(this.newAccount(id, input, platform), platform);
  }

  clear(): void {
    this.db.exec('DELETE FROM stripe_accounts');
  }

  private insert(account: StripeAccount, platform: string | null): StripeAccount {
    this.db
      .prepare('INSERT INTO stripe_accounts (id, platform, data) VALUES (?, ?, ?)')
      .run(account.id, platform, JSON.stringify(account));
    return account;
  }

  private newAccount(id: string, input: ConnectedAccountInput, platform: string | null): StripeAccount {
    return {
      id,
      object: 'account',
      business_type: null,
      capabilities: {},
      charges_enabled: true,
      // Stripe shows who controls a connected account; a key's own account has no controller.
      ...(platform ? { controller: { type: 'application' as const } } : {}),
      country: input.country ?? DEFAULT_COUNTRY,
      created: this.clock.nowSeconds(),
      default_currency: input.defaultCurrency ?? DEFAULT_CURRENCY,
      details_submitted: true,
      email: input.email ?? null,
      metadata: input.metadata ?? {},
      payouts_enabled: true,
      type: input.type,
    };
  }
}
