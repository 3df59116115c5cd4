import {
  HANDLED_MONSTOCK_EVENT_TYPES,
  monstockEventAction,
  type MonstockEventAction,
} from '../../src/events/monstockEventActions';
import type { MonstockWebhookEvent } from '../../src/events/monstockEventActions';
import { CONNECTOR_CHANGE_SOURCE } from '../../src/monstock/changeSource';

/**
 * The action table, one Monstock-shaped fixture per event type of the contract (and one it does
 * not know): what reaches which workflow, and that only ids, versions and times travel on.
 */
const CREATED_AT = '2025-11-27T09:40:00.123Z';

function event(type: string, object: Record<string, unknown>): MonstockWebhookEvent {
  return { id: `evt_${type.replace(/\./g, '_')}`, type, createdAt: CREATED_AT, data: { object } };
}

function order(version: number, status = 'confirmed'): Record<string, unknown> {
  return {
    id: 'ord_7Hq2',
    reference: 'A-1042',
    customerId: 'mcu_9Zx1',
    currency: 'EUR',
    lines: [{ sku: 'MUG-01', label: 'Mug', quantity: 2, unitAmount: 1250 }],
    totalAmount: 2500,
    status,
    paymentStatus: 'unpaid',
    amountPaid: 0,
    amountRefunded: 0,
    payments: [],
    externalRefs: {},
    createdAt: '2025-11-27T09:39:50.000Z',
    updatedAt: `2025-11-27T09:40:0${version}.000Z`,
    version,
  };
}

const customer = (version: number) => ({
  id: 'mcu_9Zx1',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  phone: '+33 6 12 34 56 78',
  address: { line1: '1 rue de la Paix', city: 'Paris', postalCode: '75002', country: 'FR' },
  externalRefs: {},
  createdAt: '2025-11-27T09:39:00.000Z',
  updatedAt: CREATED_AT,
  version,
});

const orderChange = (type: string, version: number): MonstockEventAction => ({
  kind: 'order',
  change: {
    eventId: `evt_${type.replace(/\./g, '_')}`,
    type: type as 'order.created',
    orderId: 'ord_7Hq2',
    version,
    updatedAt: `2025-11-27T09:40:0${version}.000Z`,
  },
  searchable: { reference: 'A-1042', paymentStatus: 'unpaid' },
});

const customerChange = (type: string): MonstockEventAction => ({
  kind: 'customer',
  change: {
    source: 'monstock',
    customerId: 'mcu_9Zx1',
    eventId: `evt_${type.replace(/\./g, '_')}`,
    changedAt: CREATED_AT,
  },
});

describe('monstock webhook event table', () => {
  it.each<[string, Record<string, unknown>, MonstockEventAction]>([
    ['order.created', order(1), orderChange('order.created', 1)],
    ['order.updated', order(2), orderChange('order.updated', 2)],
    ['order.cancelled', order(3, 'cancelled'), orderChange('order.cancelled', 3)],
    ['customer.created', customer(1), customerChange('customer.created')],
    ['customer.updated', customer(2), customerChange('customer.updated')],
    ['stock.adjusted', { id: 'stk_1', sku: 'MUG-01', quantity: 12 }, { kind: 'skip', reason: 'unknown_type' }],
  ])('%s', (type, object, expected) => {
    expect(monstockEventAction(event(type, object))).toEqual(expected);
  });

  it('covers every event type of the Monstock contract', () => {
    expect([...HANDLED_MONSTOCK_EVENT_TYPES].sort()).toEqual([
      'customer.created',
      'customer.updated',
      'order.cancelled',
      'order.created',
      'order.refund_requested',
      'order.updated',
    ]);
  });

  it('passes on no personal data: only ids, versions and times', () => {
    const action = monstockEventAction(event('customer.updated', customer(2)));
    expect(JSON.stringify(action)).not.toMatch(/Ada|example\.com|Paix|\+33/);
    const orderAction = monstockEventAction(event('order.updated', order(2)));
    expect(orderAction.kind).toBe('order');
    if (orderAction.kind !== 'order') return;
    expect(JSON.stringify(orderAction.change)).not.toMatch(/A-1042|MUG|mcu_/);
    // For the search attributes of a start only (the workflow sets the same ones itself): never sent to it.
    expect(orderAction.searchable).toEqual({ reference: 'A-1042', paymentStatus: 'unpaid' });
  });

  it.each<[string, Record<string, unknown>]>([
    ['no reference', { ...order(1), reference: undefined }],
    ['an unknown payment status', { ...order(1), paymentStatus: 'maybe' }],
  ])('routes an order event whose object has %s, only without search attributes', (_label, object) => {
    const action = monstockEventAction(event('order.created', object));
    expect(action.kind).toBe('order');
    expect(action).not.toHaveProperty('searchable');
  });

  it.each<[string, Record<string, unknown>]>([
    ['no id', { ...order(1), id: undefined }],
    ['an empty id', { ...order(1), id: '' }],
    ['no version', { ...order(1), version: undefined }],
    ['a version that is not an integer', { ...order(1), version: '2' }],
    ['a negative version', { ...order(1), version: -1 }],
    ['no updatedAt', { ...order(1), updatedAt: undefined }],
    ['an updatedAt that is no RFC 3339 time', { ...order(1), updatedAt: 'yesterday' }],
  ])('refuses an order event whose object has %s', (_label, object) => {
    expect(monstockEventAction(event('order.updated', object))).toEqual({ kind: 'reject', reason: 'invalid_order' });
  });

  it('refuses a customer event without the customer id', () => {
    expect(monstockEventAction(event('customer.created', { email: 'ada@example.com' }))).toEqual({
      kind: 'reject',
      reason: 'invalid_customer',
    });
  });

  describe("the connector's own writes (Monstock-Change-Source)", () => {
    const from = (type: string, changeSource: string | null | undefined): MonstockWebhookEvent => ({
      ...event(type, order(3)),
      ...(changeSource !== undefined ? { changeSource } : {}),
    });

    it('acknowledges an order update the connector made without delivering it', () => {
      expect(monstockEventAction(from('order.updated', CONNECTOR_CHANGE_SOURCE))).toEqual({
        kind: 'own_write',
        orderId: 'ord_7Hq2',
        version: 3,
      });
    });

    it.each<[string, string | null | undefined]>([
      ['names no source (a Monstock without the extension)', undefined],
      ['names none (a person in Monstock)', null],
      ['names another writer', 'shop-frontend'],
      ['names a source that only starts like ours', `${CONNECTOR_CHANGE_SOURCE}-staging`],
    ])('delivers an order update that %s', (_label, changeSource) => {
      expect(monstockEventAction(from('order.updated', changeSource)).kind).toBe('order');
    });

    it.each(['order.created', 'order.cancelled', 'order.refund_requested'])(
      'delivers %s whoever made it: only an update can be an echo',
      (type) => {
        expect(monstockEventAction(from(type, CONNECTOR_CHANGE_SOURCE)).kind).toBe('order');
      },
    );
  });
});
