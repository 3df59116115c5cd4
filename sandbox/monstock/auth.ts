import type http from 'node:http';
import type { SandboxRequest, SandboxResponse } from '../kit/http';
import { errorBody } from './errors';
import type { TenantFaults } from './tenantFaults';
import type { Tenant, TenantRegistry } from './tenants';

/**
 * `Authorization: Bearer <token>` names the tenant (merchant) the request acts for. The tenant
 * is remembered per request so the routes serve that tenant's data only; a tenant whose outage
 * knob is on is answered 503 here, before any work, while other tenants are served.
 */
export interface TenantAdmission {
  authenticate(request: SandboxRequest): SandboxResponse | undefined;
  /** The tenant an admitted request acts for; only called from the authenticated API routes. */
  tenantOf(request: SandboxRequest): Tenant;
}

export function presentedToken(headers: http.IncomingHttpHeaders): string | undefined {
  const found = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return found?.[1];
}

export function tenantAdmission(tenants: TenantRegistry, faults: TenantFaults): TenantAdmission {
  const admitted = new WeakMap<SandboxRequest, Tenant>();
  return {
    authenticate(request): SandboxResponse | undefined {
      const presented = presentedToken(request.headers);
      const tenant = presented === undefined ? undefined : tenants.byToken(presented);
      if (!tenant) {
        return {
          status: 401,
          headers: { 'www-authenticate': 'Bearer' },
          body: errorBody(
            401,
            'unauthorized',
            presented === undefined ? 'Missing bearer token.' : 'Invalid bearer token.',
          ),
        };
      }
      if (faults.get(tenant.id).unavailable) {
        return {
          status: 503,
          headers: { 'retry-after': '1' },
          body: errorBody(503, 'service_unavailable', 'Injected outage for this tenant (fault knob).'),
        };
      }
      admitted.set(request, tenant);
      return undefined;
    },
    tenantOf(request) {
      const tenant = admitted.get(request);
      // The shell authenticates every API route before its handler runs; this is a wiring bug.
      if (!tenant) throw new Error('monstock sandbox: an API handler ran for an unauthenticated request.');
      return tenant;
    },
  };
}
