import { z } from 'zod';

/**
 * Per-tenant fault knob (`POST /_sandbox/tenants/:tenantId/faults`), next to the sandbox-wide
 * one: one merchant's Monstock can be down while the others are served, which is what a test
 * of "one connection's outage delays only that connection" needs. Like the global knob, a POST
 * replaces the settings and `{}` clears them; kept in memory (a restart clears them).
 */
export const tenantFaultSettingsSchema = z.strictObject({
  /** Every API request with this tenant's token is answered 503 (Retry-After: 1). */
  unavailable: z.boolean().optional(),
});

export type TenantFaultSettings = z.infer<typeof tenantFaultSettingsSchema>;

export class TenantFaults {
  private readonly settings = new Map<string, TenantFaultSettings>();

  get(tenantId: string): TenantFaultSettings {
    return { ...this.settings.get(tenantId) };
  }

  set(tenantId: string, next: TenantFaultSettings): void {
    this.settings.set(tenantId, { ...next });
  }

  clear(): void {
    this.settings.clear();
  }
}
