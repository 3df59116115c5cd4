import { registerSecrets } from '../../observability/logger';
import { readManagedSecret } from './secretFile';

/**
 * The secrets a connection's Stripe webhooks may be signed with: STRIPE_WEBHOOK_SECRET (several
 * while rotating) and the managed endpoint's, from its file. Setup may replace that file while
 * the server runs, so a signature no known secret verifies triggers a re-read, at most once per
 * `reloadIntervalMs`, so forged requests cannot turn into a stream of file reads.
 */
export class StripeWebhookSecrets {
  private secrets: readonly string[];
  private managed: string | undefined;
  private lastReadAt: number;

  constructor(
    private readonly options: {
      configured: readonly string[];
      file?: string;
      reloadIntervalMs?: number;
      now?: () => number;
    },
  ) {
    this.lastReadAt = this.now();
    this.managed = this.readFile();
    this.secrets = this.combine();
  }

  current(): readonly string[] {
    return this.secrets;
  }

  /** Re-reads the managed secret file; true when that changed the secrets. */
  reload(): boolean {
    const now = this.now();
    if (!this.options.file || now - this.lastReadAt < (this.options.reloadIntervalMs ?? 1000)) return false;
    this.lastReadAt = now;
    const managed = this.readFile();
    if (managed === this.managed) return false;
    this.managed = managed;
    this.secrets = this.combine();
    return true;
  }

  private readFile(): string | undefined {
    if (!this.options.file) return undefined;
    try {
      const secret = readManagedSecret(this.options.file)?.secret;
      registerSecrets(secret);
      return secret;
    } catch {
      // An unreadable file (permissions) keeps what was read before rather than failing requests.
      return this.managed;
    }
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
