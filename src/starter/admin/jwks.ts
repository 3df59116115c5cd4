import type crypto from 'node:crypto';

/** A JSON Web Key as an issuer's JWKS lists it (public parts only are used). */
export type Jwk = crypto.JsonWebKey & { kid?: string; alg?: string; use?: string; kty?: string; crv?: string };

export interface JwksOptions {
  /** The OIDC issuer, e.g. https://login.example.com/realms/ops: its discovery document names the JWKS. */
  issuer: string;
  /** An unknown `kid` refetches the JWKS at most this often (default 60 s): a flood of made-up kids costs nothing. */
  minRefetchIntervalMs?: number;
  /** Each HTTP call to the issuer gives up after this long (default 5 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * The issuer's signing keys by `kid`: `<issuer>/.well-known/openid-configuration` names the
 * `jwks_uri`, whose keys are cached; a token naming a key not in the cache refetches the set (key
 * rotation), but no more often than `minRefetchIntervalMs`, and concurrent lookups share one fetch.
 */
export class JwksCache {
  private keys = new Map<string, Jwk>();
  private lastFetchAt: number | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly options: JwksOptions) {
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? (() => Date.now());
  }

  /** The key with this id, or undefined when the issuer does not list it (or could not be reached). */
  async key(kid: string): Promise<Jwk | undefined> {
    const known = this.keys.get(kid);
    if (known) return known;
    const interval = this.options.minRefetchIntervalMs ?? 60_000;
    if (this.inFlight) await this.inFlight;
    else if (this.lastFetchAt === undefined || this.now() - this.lastFetchAt >= interval) {
      this.lastFetchAt = this.now();
      this.inFlight = this.refresh().finally(() => (this.inFlight = undefined));
      await this.inFlight;
    }
    return this.keys.get(kid);
  }

  private async refresh(): Promise<void> {
    try {
      const issuer = this.options.issuer.replace(/\/+$/, '');
      const discovery = (await this.getJson(`${issuer}/.well-known/openid-configuration`)) as {
        issuer?: unknown;
        jwks_uri?: unknown;
      };
      // OpenID Connect Discovery: the document must name the issuer it was fetched from.
      if (typeof discovery.issuer !== 'string' || discovery.issuer.replace(/\/+$/, '') !== issuer) return;
      if (typeof discovery.jwks_uri !== 'string') return;
      const jwks = (await this.getJson(discovery.jwks_uri)) as { keys?: unknown };
      if (!Array.isArray(jwks.keys)) return;
      const keys = new Map<string, Jwk>();
      for (const key of jwks.keys as Array<Jwk | null>) {
        if (
          key !== null &&
          typeof key === 'object' &&
          typeof key.kid === 'string' &&
          (key.use === undefined || key.use === 'sig')
        )
          keys.set(key.kid, key);
      }
      this.keys = keys;
    } catch {
      // The issuer is down or answered nonsense: keep the keys we had; tokens with unknown kids fail.
    }
  }

  private async getJson(url: string): Promise<unknown> {
    const response = await this.fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
    });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return response.json();
  }
}
