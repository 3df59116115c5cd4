import { z } from 'zod';

/**
 * Fault knobs shared by both sandboxes (`POST /_sandbox/faults`). Rates are shares in 0..1.
 * A value set at start comes from the environment; at run time from the admin route.
 */
const rate = z.number().min(0).max(1);

export const webhookFaultsSchema = z
  .object({
    dropRate: rate.optional(),
    duplicateRate: rate.optional(),
    reorderRate: rate.optional(),
    delayMs: z.number().int().min(0).max(600_000).optional(),
  })
  .strict();

export const faultSettingsSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(60_000).optional(),
    errorRate: rate.optional(),
    rateLimitPerSecond: z.number().positive().max(1_000_000).optional(),
    webhooks: webhookFaultsSchema.optional(),
  })
  .strict();

export type WebhookFaults = z.infer<typeof webhookFaultsSchema>;
export type FaultSettings = z.infer<typeof faultSettingsSchema>;

export type FaultDecision =
  { kind: 'pass' } | { kind: 'server_error' } | { kind: 'rate_limited'; retryAfterSeconds: number };

/** Fixed-window limiter: what Stripe and most APIs do is close enough for a sandbox. */
class RequestRateLimiter {
  private windowStart = 0;
  private count = 0;
  constructor(private readonly perSecond: number) {}
  take(nowMs: number): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    if (nowMs - this.windowStart >= 1000) {
      this.windowStart = nowMs;
      this.count = 0;
    }
    if (this.count < this.perSecond) {
      this.count += 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((this.windowStart + 1000 - nowMs) / 1000)) };
  }
}

/** What the knobs did to API requests since the sandbox started (not reset by new settings). */
export interface InjectedFaults {
  rateLimited: number;
  serverErrors: number;
}

export class FaultController {
  private settings: FaultSettings = {};
  private limiter: RequestRateLimiter | undefined;
  private readonly counts: InjectedFaults = { rateLimited: 0, serverErrors: 0 };

  constructor(
    initial: FaultSettings = {},
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {
    this.set(initial);
  }

  get(): FaultSettings {
    return structuredClone(this.settings);
  }

  /** Replaces the settings with the given subset; `{}` clears every fault. */
  set(next: FaultSettings): void {
    this.settings = faultSettingsSchema.parse(next);
    this.limiter = this.settings.rateLimitPerSecond
      ? new RequestRateLimiter(this.settings.rateLimitPerSecond)
      : undefined;
  }

  injected(): InjectedFaults {
    return { ...this.counts };
  }

  get webhooks(): WebhookFaults {
    return this.settings.webhooks ?? {};
  }

  async delay(): Promise<void> {
    const ms = this.settings.latencyMs ?? 0;
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Decides the fate of one API request: the rate limit first, then the random 5xx share. */
  decide(): FaultDecision {
    if (this.limiter) {
      const taken = this.limiter.take(this.now());
      if (!taken.allowed) {
        this.counts.rateLimited += 1;
        return { kind: 'rate_limited', retryAfterSeconds: taken.retryAfterSeconds };
      }
    }
    const errorRate = this.settings.errorRate ?? 0;
    if (errorRate > 0 && this.random() < errorRate) {
      this.counts.serverErrors += 1;
      return { kind: 'server_error' };
    }
    return { kind: 'pass' };
  }

  chance(rateValue: number | undefined): boolean {
    return (rateValue ?? 0) > 0 && this.random() < (rateValue ?? 0);
  }
}

/** Reads start-up fault settings from `SANDBOX_FAULTS` (JSON), so a run can begin faulty. */
export function faultsFromEnv(env: NodeJS.ProcessEnv, variable = 'SANDBOX_FAULTS'): FaultSettings {
  const raw = env[variable];
  if (!raw) return {};
  try {
    return faultSettingsSchema.parse(JSON.parse(raw));
  } catch (error) {
    throw new Error(`${variable} is not valid fault settings JSON: ${(error as Error).message}`, { cause: error });
  }
}
