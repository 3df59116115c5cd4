import crypto from 'node:crypto';
import type { SandboxDatabase } from '../kit/database';
import { DEFAULT_TENANT_ID } from './store';

/**
 * The merchants the sandbox serves. Each has its own API token and its own webhook secret and
 * URL; the token and webhook settings given at start are the default tenant (never stored, so
 * changing them in the environment takes effect at the next start). Created tenants are kept in
 * the SQLite file so a restarted sandbox still answers their tokens.
 */
export interface Tenant {
  id: string;
  webhookSecret: string;
  /** Undefined: events are recorded, nothing is sent. */
  webhookUrl: string | undefined;
}

export interface CreatedTenant {
  tenantId: string;
  token: string;
  webhookSecret: string;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS tenants (
    id TEXT PRIMARY KEY,
    token_digest TEXT NOT NULL UNIQUE,
    webhook_secret TEXT NOT NULL,
    webhook_url TEXT,
    created_at TEXT NOT NULL
  );
`;

interface TenantRow {
  id: string;
  webhook_secret: string;
  webhook_url: string | null;
}

// Only digests are compared or stored for tokens: equal length, and no token sits in the file.
function digest(value: string): Buffer {
  return crypto.createHash('sha256').update(value, 'utf8').digest();
}

function randomToken(prefix: string): string {
  return `${prefix}_${crypto.randomBytes(24).toString('base64url')}`;
}

function tenantOf(row: TenantRow): Tenant {
  return { id: row.id, webhookSecret: row.webhook_secret, webhookUrl: row.webhook_url ?? undefined };
}

export class TenantRegistry {
  private readonly defaultTenant: Tenant;
  private readonly defaultDigest: Buffer;
  private readonly statements;

  constructor(
    db: SandboxDatabase,
    defaults: { apiToken: string; webhookSecret: string; webhookUrl: string | undefined },
  ) {
    db.exec(SCHEMA);
    this.defaultTenant = {
      id: DEFAULT_TENANT_ID,
      webhookSecret: defaults.webhookSecret,
      webhookUrl: defaults.webhookUrl,
    };
    this.defaultDigest = digest(defaults.apiToken);
    this.statements = {
      byId: db.prepare<[string], TenantRow>('SELECT id, webhook_secret, webhook_url FROM tenants WHERE id = ?'),
      byDigest: db.prepare<[string], TenantRow>(
        'SELECT id, webhook_secret, webhook_url FROM tenants WHERE token_digest = ?',
      ),
      insert: db.prepare(
        `INSERT INTO tenants (id, token_digest, webhook_secret, webhook_url, created_at)
         VALUES (@id, @tokenDigest, @webhookSecret, @webhookUrl, @createdAt)`,
      ),
    };
  }

  create(input: { webhookUrl?: string | undefined }): CreatedTenant {
    const tenantId = `ten_${crypto.randomBytes(10).toString('hex')}`;
    const token = randomToken('mst');
    const webhookSecret = randomToken('whsec');
    this.statements.insert.run({
      id: tenantId,
      tokenDigest: digest(token).toString('hex'),
      webhookSecret,
      webhookUrl: input.webhookUrl || null,
      createdAt: new Date().toISOString(),
    });
    return { tenantId, token, webhookSecret };
  }

  get(id: string): Tenant | undefined {
    if (id === DEFAULT_TENANT_ID) return this.defaultTenant;
    const row = this.statements.byId.get(id);
    return row ? tenantOf(row) : undefined;
  }

  /** The tenant a bearer token belongs to; the default token is compared in constant time. */
  byToken(token: string): Tenant | undefined {
    const presented = digest(token);
    if (crypto.timingSafeEqual(presented, this.defaultDigest)) return this.defaultTenant;
    // A lookup by digest: what leaks through timing is about a hash, not about the token.
    const row = this.statements.byDigest.get(presented.toString('hex'));
    return row ? tenantOf(row) : undefined;
  }
}
