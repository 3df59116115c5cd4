import type { WebhookOutbox } from '../kit/webhookOutbox';
import type { Clock } from './clock';
import { CustomerService } from './customerService';
import { createEventPublisher } from './events';
import { OrderService } from './orderService';
import { RefundRequestService } from './refundRequestService';
import type { MonstockStore } from './store';
import type { Tenant } from './tenants';

/** The use cases as one tenant sees them: its store view, its webhook URL; one shared clock. */
export interface TenantServices {
  store: MonstockStore;
  orders: OrderService;
  customers: CustomerService;
  refundRequests: RefundRequestService;
}

export function tenantServicesFactory(deps: {
  store: MonstockStore;
  outbox: WebhookOutbox;
  clock: Clock;
}): (tenant: Tenant) => TenantServices {
  // Built once per tenant: the store view prepares its statements when created.
  const built = new Map<string, TenantServices>();
  return (tenant) => {
    const known = built.get(tenant.id);
    if (known) return known;
    const store = deps.store.forTenant(tenant.id);
    const events = createEventPublisher({ store, outbox: deps.outbox, webhookUrl: tenant.webhookUrl });
    const services: TenantServices = {
      store,
      orders: new OrderService({ store, clock: deps.clock, events }),
      customers: new CustomerService({ store, clock: deps.clock, events }),
      refundRequests: new RefundRequestService({ store, clock: deps.clock, events }),
    };
    built.set(tenant.id, services);
    return services;
  };
}
