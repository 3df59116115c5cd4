import type { Clock } from './clock';
import { newCustomer, applyCustomerPatch } from './customerModel';
import { notFound } from './errors';
import type { EventPublisher } from './events';
import { newId } from './ids';
import { listFilterOf, pageOf } from './listing';
import { checkVersion, type ExpectedVersion } from './preconditions';
import { sameContent, stamp } from './sameContent';
import type { CustomerInput, CustomerListQuery, CustomerPatch } from './schemas';
import type { MonstockStore } from './store';
import type { Customer, Page } from './types';

/** Customer use cases: versioning, persistence and events. */
export class CustomerService {
  constructor(private readonly deps: { store: MonstockStore; clock: Clock; events: EventPublisher }) {}

  create(input: CustomerInput, options: { publish?: boolean; changeSource?: string } = {}): Customer {
    const { store, clock, events } = this.deps;
    return store.transaction(() => {
      const customer = newCustomer(input, newId('mcu'), clock.tick());
      store.saveCustomer(customer);
      if (options.publish ?? true) events.publish('customer.created', customer, {}, options.changeSource);
      return customer;
    });
  }

  get(id: string): Customer {
    const customer = this.deps.store.getCustomer(id);
    if (!customer) throw notFound(`No customer ${id}.`);
    return customer;
  }

  update(id: string, patch: CustomerPatch, expected: ExpectedVersion, changeSource?: string): Customer {
    const { store, clock, events } = this.deps;
    return store.transaction(() => {
      const current = this.get(id);
      checkVersion('customer', id, current.version, expected);
      const patched = applyCustomerPatch(current, patch);
      if (sameContent(current, patched)) return current;
      const next = stamp(patched, clock.tick());
      store.saveCustomer(next);
      events.publish('customer.updated', next, {}, changeSource);
      return next;
    });
  }

  list(query: CustomerListQuery): Page<Customer> {
    const filter = listFilterOf(query);
    return pageOf(
      this.deps.store.listCustomers({ ...filter, ...(query.email !== undefined ? { email: query.email } : {}) }),
    );
  }
}
