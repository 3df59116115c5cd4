import { registerSecrets } from '../../observability/logger';

/** Reads the managed endpoint's current secret (from the connector's database); undefined when none is stored. */
export type ManagedSecretLoader = () => Promise<string | undefined>;

/**
 * The secrets a connection's Stripe webhooks may be signed with: STRIPE_WEBHOOK_SECRET (several
 * while rotating) and the managed endpoint's, stored by `npm run setup` in the database every
 * replica shares. Setup may replace it while the server runs, so a signature no known secret
 * verifies triggers a re-read, at most once per `reloadIntervalMs`, so forged requests cannot
 * turn into a stream of database reads.
 */
export class StripeWebhookSecrets {
  private secrets: readonly string[];
  private managed: string | undefined;
  private lastReadAt: number | undefined;
  private firstRead: Promise<void> | undefined;

  constructor(
    private readonly options: {
      configured: readonly string[];
      load?: ManagedSecretLoader;
      reloadIntervalMs?: number;
      now?: () => number;
    },
  ) {
    this.secrets = this.combine();
  }

  /** The secrets to verify with; the managed one is read on first use. */
  async current(): Promise<readonly string[]> {
    this.firstRead ??= this.read().then(() => undefined);
    await this.firstRead;
    return this.secrets;
  }

  /** Re-reads the managed secret; true when that changed the secrets. */
  async reload(): Promise<boolean> {
    const now = this.now();
    if (!this.options.load) return false;
    if (this.lastReadAt !== undefined && now - this.lastReadAt < (this.options.reloadIntervalMs ?? 1000)) return false;
    return this.read();
  }

  private async read(): Promise<boolean> {
    if (!this.options.load) return false;
    this.lastReadAt = this.now();
    let managed: string | undefined;
    try {
      managed = await this.options.load();
      registerSecrets(managed);
    } catch {
      // An unreadable secret (database down, a key no longer configured) keeps what was read before.
      return false;
    }
    if (managed === this.managed) return false;
    this.managed = managed;
    this.secrets = this.combine();
    return true;
  }

  private combine(): readonly string[] {
    return this.managed && !this.options.configured.includes(this.managed)
      ? [...this.options.configured, this.managed]
      : [...this.options.configured];
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
