import { z } from 'zod';
import { Router, type SandboxRequest } from '../kit/http';
import { notFound } from './errors';
import type { RequestLog } from './requestLog';
import { parseBody, parseQuery } from './requests';
import { seedSchema, tenantInputSchema } from './schemas';
import { seed } from './seed';
import type { MonstockStore } from './store';
import { DEFAULT_TENANT_ID } from './store';
import { type TenantFaults, tenantFaultSettingsSchema } from './tenantFaults';
import type { Tenant, TenantRegistry } from './tenants';
import type { TenantServices } from './tenantServices';
import { EVENT_TYPES } from './types';

/**
 * Sandbox-only routes (no auth, no faults), on top of the shell's faults/reset/webhooks:
 * - POST /_sandbox/seed   { customers, orders, currency?, webhooks?, tenantId? } -> the new ids
 * - GET  /_sandbox/events ?type=&objectId=&tenantId=&after=<seq>&limit= -> every event emitted, in order
 * - POST /_sandbox/tenants { webhookUrl? } -> 201 { tenantId, token, webhookSecret }
 * - GET|POST /_sandbox/tenants/:tenantId/faults { unavailable? } -> that tenant's knob
 * - GET  /_sandbox/requests -> { total, byRoute, byTenant, recent: [{ method, path, tenantId, status }] }
 */
const eventsQuerySchema = z.strictObject({
  type: z.enum(EVENT_TYPES).optional(),
  objectId: z.string().min(1).optional(),
  tenantId: z.string().min(1).optional(),
  after: z.string().regex(/^\d+$/).transform(Number).optional(),
  limit: z.string().regex(/^\d+$/).transform(Number).pipe(z.int().min(1).max(10_000)).default(1000),
});

export function createAdminRouter(deps: {
  store: MonstockStore;
  tenants: TenantRegistry;
  servicesOf: (tenant: Tenant) => TenantServices;
  tenantFaults: TenantFaults;
  requestLog: RequestLog;
}): Router {
  const tenantNamed = (tenantId: string | undefined): Tenant => {
    const tenant = deps.tenants.get(tenantId ?? DEFAULT_TENANT_ID);
    if (!tenant) throw notFound(`No tenant ${tenantId}.`);
    return tenant;
  };
  const tenantOfPath = (request: SandboxRequest): Tenant => tenantNamed(request.params.tenantId);
  return new Router()
    .on('POST', '/_sandbox/seed', (request) => {
      const input = parseBody(seedSchema, request);
      return { status: 201, body: seed(deps.servicesOf(tenantNamed(input.tenantId)), input) };
    })
    .on('GET', '/_sandbox/events', (request) => {
      const query = parseQuery(eventsQuerySchema, request);
      const stored = deps.store.listEvents({
        limit: query.limit,
        ...(query.type ? { type: query.type } : {}),
        ...(query.objectId ? { objectId: query.objectId } : {}),
        ...(query.tenantId ? { tenantId: query.tenantId } : {}),
        ...(query.after !== undefined ? { afterSeq: query.after } : {}),
      });
      return { status: 200, body: { data: stored.map(({ seq, tenantId, event }) => ({ seq, tenantId, ...event })) } };
    })
    .on('POST', '/_sandbox/tenants', (request) => ({
      status: 201,
      body: deps.tenants.create(parseBody(tenantInputSchema, request)),
    }))
    .on('GET', '/_sandbox/tenants/:tenantId/faults', (request) => ({
      status: 200,
      body: deps.tenantFaults.get(tenantOfPath(request).id),
    }))
    .on('POST', '/_sandbox/tenants/:tenantId/faults', (request) => {
      const tenant = tenantOfPath(request);
      deps.tenantFaults.set(tenant.id, parseBody(tenantFaultSettingsSchema, request));
      return { status: 200, body: deps.tenantFaults.get(tenant.id) };
    })
    .on('GET', '/_sandbox/requests', () => ({ status: 200, body: deps.requestLog.read() }));
}
