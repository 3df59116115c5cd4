import { request } from 'undici';
import type { FaultSettings, WebhookFaults } from '../sandbox/kit/faults';
import type { OutboxStats } from '../sandbox/kit/webhookOutbox';

/**
 * One sandbox's fault knobs. `POST /_sandbox/faults` replaces every knob at once, so the API
 * faults (5xx, 429) and the webhook faults are kept apart here and always sent together.
 */
export class SandboxKnobs {
  private api: Omit<FaultSettings, 'webhooks'> = {};
  private webhooks: WebhookFaults = {};

  constructor(readonly baseUrl: string) {}

  async setApi(faults: Omit<FaultSettings, 'webhooks'>): Promise<void> {
    this.api = faults;
    await this.apply();
  }

  async setWebhooks(faults: WebhookFaults): Promise<void> {
    this.webhooks = faults;
    await this.apply();
  }

  async clear(): Promise<void> {
    this.api = {};
    this.webhooks = {};
    await this.apply();
  }

  async webhookStats(): Promise<OutboxStats> {
    const answer = await request(`${this.baseUrl}/_sandbox/webhooks`);
    if (answer.statusCode !== 200) throw new Error(`GET /_sandbox/webhooks answered ${answer.statusCode}`);
    return (await answer.body.json()) as OutboxStats;
  }

  /** API requests the knobs refused so far (5xx, 429), on sandboxes that count them; undefined on those that do not. */
  async injected(): Promise<{ serverErrors: number; rateLimited: number } | undefined> {
    const answer = await request(`${this.baseUrl}/_sandbox/faults/injected`);
    if (answer.statusCode !== 200) {
      await answer.body.dump();
      return undefined;
    }
    const body = (await answer.body.json()) as { serverErrors?: unknown; rateLimited?: unknown };
    return typeof body.serverErrors === 'number' && typeof body.rateLimited === 'number'
      ? { serverErrors: body.serverErrors, rateLimited: body.rateLimited }
      : undefined;
  }

  private async apply(): Promise<void> {
    const body: FaultSettings = {
      ...this.api,
      ...(Object.keys(this.webhooks).length > 0 ? { webhooks: this.webhooks } : {}),
    };
    const answer = await request(`${this.baseUrl}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    const text = await answer.body.text();
    if (answer.statusCode !== 200) throw new Error(`POST /_sandbox/faults answered ${answer.statusCode}: ${text}`);
  }
}
