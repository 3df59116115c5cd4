import type { Customer } from '../../../sandbox/monstock/types';
import { createCustomer } from './support/fixtures';
import { errorOf, useSandbox } from './support/suite';

const { call } = useSandbox();

describe('customers', () => {
  test('create, get and patch', async () => {
    const created = await call<Customer>('POST', '/v1/customers', {
      body: {
        email: 'Jane.Doe@Example.com',
        name: 'Jane Doe',
        phone: '+33 1 23',
        address: { line1: '3 rue A', city: 'Lyon', country: 'FR' },
        externalRefs: { stripeCustomerId: 'cus_1' },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      email: 'Jane.Doe@Example.com',
      name: 'Jane Doe',
      version: 1,
      externalRefs: { stripeCustomerId: 'cus_1' },
    });
    expect(created.body.id).toMatch(/^mcu_[A-Za-z0-9]{20}$/);
    expect((await call<Customer>('GET', `/v1/customers/${created.body.id}`)).body).toEqual(created.body);

    const patched = await call<Customer>('PATCH', `/v1/customers/${created.body.id}`, {
      body: {
        email: 'jane@example.org',
        address: { line1: '9 rue B', postalCode: '69001', city: 'Lyon', country: 'FR' },
        externalRefs: { crm: 'C-1' },
      },
    });
    expect(patched.body).toMatchObject({
      email: 'jane@example.org',
      name: 'Jane Doe',
      phone: '+33 1 23',
      address: { line1: '9 rue B', postalCode: '69001', city: 'Lyon', country: 'FR' },
      externalRefs: { stripeCustomerId: 'cus_1', crm: 'C-1' },
      version: 2,
    });

    const cleared = await call<Customer>('PATCH', `/v1/customers/${created.body.id}`, {
      body: { phone: null, address: null, externalRefs: { crm: '' } },
    });
    expect(cleared.body).not.toHaveProperty('phone');
    expect(cleared.body).not.toHaveProperty('address');
    expect(cleared.body.externalRefs).toEqual({ stripeCustomerId: 'cus_1' });
    expect(cleared.body.version).toBe(3);
  });

  test('a patch that changes nothing does not bump', async () => {
    const customer = await createCustomer(call, { phone: '1' });
    const same = await call<Customer>('PATCH', `/v1/customers/${customer.id}`, {
      body: { name: customer.name, phone: '1', email: customer.email },
    });
    expect(same.body).toEqual(customer);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['a missing email', { email: undefined }, 'email'],
    ['a missing name', { name: undefined }, 'name'],
    ['an empty name', { name: '  ' }, 'name'],
    ['an email without @', { email: 'jane.example.com' }, 'email'],
    ['an email with two @', { email: 'a@b@example.com' }, 'email'],
    ['an email without a dot in the domain', { email: 'jane@localhost' }, 'email'],
    ['a numeric phone', { phone: 33123 }, 'phone'],
    ['a three-letter country', { address: { country: 'FRA' } }, 'address.country'],
    ['an unknown address field', { address: { street: 'x' } }, 'address.street'],
    ['an unknown field', { vip: true }, 'vip'],
  ])('create with %s is 422 naming the field', async (_name, overrides, field) => {
    const body = JSON.parse(JSON.stringify({ email: 'ok@example.com', name: 'Ok', ...overrides })) as Record<
      string,
      unknown
    >;
    const answer = await call('POST', '/v1/customers', { body });
    expect(answer.status).toBe(422);
    expect(errorOf(answer.body).code).toBe('validation_failed');
    expect(errorOf(answer.body).message).toContain(field);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['a bad email', { email: 'nope' }, 'email'],
    ['a null name', { name: null }, 'name'],
    ['a null email', { email: null }, 'email'],
  ])('patch with %s is 422 naming the field', async (_name, body, field) => {
    const customer = await createCustomer(call);
    const answer = await call('PATCH', `/v1/customers/${customer.id}`, { body });
    expect(answer.status).toBe(422);
    expect(errorOf(answer.body).message).toContain(field);
  });
});
