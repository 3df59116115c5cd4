import type { ApiRoute, Origin, SandboxContext } from './context';
import { ok } from './context';
import { invalidRequest, resourceMissing } from './errors';
import { previousAttributes } from './eventBus';
import { newId, randomBase62 } from './ids';
import { createdConditions, expandObject, field, LIST_PARAMS, listObjects, readPage } from './list';
import { applyMetadata, type Params } from './params';
import { SEARCH_PARAMS, searchObjects } from './search';
import type { Address, Customer } from './types';

/** Customers: create, retrieve (a deleted one answers its tombstone), update, delete, list, search. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ADDRESS_FIELDS = ['city', 'country', 'line1', 'line2', 'postal_code', 'state'] as const;
const WRITABLE = [
  'address',
  'description',
  'email',
  'metadata',
  'name',
  'phone',
  'preferred_locales',
  'tax_exempt',
] as const;

export type CustomerInput = Partial<
  Pick<
    Customer,
    'address' | 'description' | 'email' | 'metadata' | 'name' | 'phone' | 'preferred_locales' | 'tax_exempt'
  >
>;

function readEmail(params: Params): string | null | undefined {
  const email = params.nullableString('email', { max: 512 });
  if (email && !EMAIL.test(email)) throw invalidRequest(`Invalid email address: ${email}`, 'email', 'email_invalid');
  return email;
}

function readAddress(params: Params): Address | null | undefined {
  if (params.raw.address === '') return null;
  const address = params.object('address', ADDRESS_FIELDS);
  if (!address) return undefined;
  const out = Object.fromEntries(
    ADDRESS_FIELDS.map((key) => [key, address.nullableString(key, { max: 200 }) ?? null]),
  ) as Address;
  return out;
}

export function createCustomer(ctx: SandboxContext, input: CustomerInput, origin: Origin): Customer {
  const customer: Customer = {
    id: newId('cus'),
    object: 'customer',
    address: input.address ?? null,
    balance: 0,
    created: ctx.clock.nowSeconds(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: input.description ?? null,
    discount: null,
    email: input.email ?? null,
    invoice_prefix: randomBase62(8).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: input.metadata ?? {},
    name: input.name ?? null,
    next_invoice_sequence: 1,
    phone: input.phone ?? null,
    preferred_locales: input.preferred_locales ?? [],
    shipping: null,
    tax_exempt: input.tax_exempt ?? 'none',
    test_clock: null,
  };
  ctx.store.insert(customer);
  ctx.events.emit('customer.created', customer, origin);
  return customer;
}

/** A customer named by a parameter (`customer=cus_x` on a payment intent): 400 when unknown. */
export function requireCustomer(ctx: SandboxContext, id: string, param = 'customer'): Customer {
  const customer = ctx.store.find<Customer>('customer', id);
  if (!customer) throw resourceMissing('customer', id, param);
  return customer;
}

/** The writable fields a request sets; absent ones stay as they are. */
function readChanges(params: Params, metadata: Customer['metadata']): CustomerInput {
  const next: CustomerInput = {};
  const email = readEmail(params);
  if (email !== undefined) next.email = email;
  for (const key of ['description', 'name', 'phone'] as const) {
    const value = params.nullableString(key, { max: key === 'description' ? 350 : 256 });
    if (value !== undefined) next[key] = value;
  }
  const address = readAddress(params);
  if (address !== undefined) next.address = address;
  const locales = params.stringList('preferred_locales', { max: 10 });
  if (locales !== undefined) next.preferred_locales = locales;
  const taxExempt = params.oneOf('tax_exempt', ['none', 'exempt', 'reverse'] as const);
  if (taxExempt !== undefined) next.tax_exempt = taxExempt;
  next.metadata = applyMetadata(metadata, params.metadata());
  return next;
}

const SEARCH_FIELDS = { email: 'string', name: 'string', phone: 'string', created: 'number' } as const;

export function customerRoutes(ctx: SandboxContext): ApiRoute[] {
  const answer = (customer: Customer, params: Params) =>
    ok(expandObject(ctx.store, ctx.present(customer), params.expand(), ctx.present));
  return [
    {
      method: 'POST',
      path: '/v1/customers',
      handler: ({ params, origin }) => {
        params.allow(WRITABLE);
        return answer(createCustomer(ctx, readChanges(params, {}), origin), params);
      },
    },
    {
      method: 'GET',
      path: '/v1/customers/search',
      handler: ({ params }) => {
        params.allow(SEARCH_PARAMS);
        return ok(
          searchObjects(ctx.store, {
            type: 'customer',
            url: '/v1/customers/search',
            params,
            fields: SEARCH_FIELDS,
            present: ctx.present,
          }),
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/customers',
      handler: ({ params }) => {
        params.allow([...LIST_PARAMS, 'email', 'created', 'test_clock']);
        const email = params.string('email', { max: 512 });
        return ok(
          listObjects(ctx.store, {
            type: 'customer',
            url: '/v1/customers',
            page: readPage(params),
            conditions: [...(email ? [field('email', email)] : []), ...createdConditions(params.created())],
            expand: params.expand(),
            present: ctx.present,
          }),
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/customers/:id',
      handler: ({ params, path }) => {
        params.allow([]);
        const id = path.id as string;
        if (ctx.store.isDeleted(id)) return ok({ id, object: 'customer', deleted: true });
        const customer = ctx.store.find<Customer>('customer', id);
        if (!customer) throw resourceMissing('customer', id);
        return answer(customer, params);
      },
    },
    {
      method: 'POST',
      path: '/v1/customers/:id',
      handler: ({ params, path, origin }) => {
        params.allow(WRITABLE);
        const current = ctx.store.find<Customer>('customer', path.id as string);
        if (!current) throw resourceMissing('customer', path.id as string);
        const next: Customer = { ...current, ...readChanges(params, current.metadata) };
        const previous = previousAttributes(current, next);
        if (Object.keys(previous).length > 0) {
          ctx.store.save(next);
          ctx.events.emit('customer.updated', next, origin, previous);
        }
        return answer(next, params);
      },
    },
    {
      method: 'DELETE',
      path: '/v1/customers/:id',
      handler: ({ params, path, origin }) => {
        params.allow([]);
        const customer = ctx.store.find<Customer>('customer', path.id as string);
        if (!customer) throw resourceMissing('customer', path.id as string);
        ctx.store.markDeleted(customer.id);
        ctx.events.emit('customer.deleted', customer, origin);
        return ok({ id: customer.id, object: 'customer', deleted: true });
      },
    },
  ];
}
