import type { SandboxDatabase } from '../kit/database';
import type { PageKey } from './cursor';
import type { Customer, EventType, MonstockEvent, Order, PaymentStatus, RefundRequest } from './types';

/**
 * Persistence for the Monstock sandbox. Each record is kept whole as JSON, next to the few
 * columns lists filter and sort on, so the served shape never drifts from what was written.
 */
export interface ListFilter {
  limit: number;
  /** Rows strictly after this (updatedAt, id) key. */
  after?: PageKey;
  /** Normalized to RFC 3339 UTC with milliseconds, so string order is time order. */
  updatedSince?: string;
}

export interface OrderFilter extends ListFilter {
  paymentStatus?: PaymentStatus;
  /** Extension of the contract (docs/monstock-api.yaml): exact match on the human order number. */
  reference?: string;
}

export interface CustomerFilter extends ListFilter {
  email?: string;
}

export interface ListResult<T> {
  items: T[];
  hasMore: boolean;
}

export interface StoredEvent {
  seq: number;
  /** The tenant (merchant) whose change it was. */
  tenantId: string;
  event: MonstockEvent;
}

export interface EventFilter {
  /** Admin reads see every tenant's events unless asked for one. */
  tenantId?: string;
  type?: EventType;
  objectId?: string;
  afterSeq?: number;
  limit: number;
}

/**
 * One tenant's view: every record read or written carries the tenant's id, so a token only ever
 * sees its own merchant's data (another tenant's id reads as absent: a 404, no existence leak).
 * Ids stay globally unique; events and the clock floor are read across tenants (admin, clock).
 */
export interface MonstockStore {
  readonly tenantId: string;
  /** The same database seen as another tenant. */
  forTenant(tenantId: string): MonstockStore;
  /** Runs `work` atomically; nested calls join the outer transaction. */
  transaction<T>(work: () => T): T;
  getOrder(id: string): Order | undefined;
  saveOrder(order: Order): void;
  listOrders(filter: OrderFilter): ListResult<Order>;
  countOrders(): number;
  getCustomer(id: string): Customer | undefined;
  saveCustomer(customer: Customer): void;
  listCustomers(filter: CustomerFilter): ListResult<Customer>;
  countCustomers(): number;
  /** Ours: refund requests, each belonging to one order. */
  getRefundRequest(orderId: string, id: string): RefundRequest | undefined;
  saveRefundRequest(request: RefundRequest): void;
  listRefundRequests(orderId: string, filter: ListFilter): ListResult<RefundRequest>;
  appendEvent(event: MonstockEvent): void;
  listEvents(filter: EventFilter): StoredEvent[];
  /** The latest timestamp ever written, so a restarted clock never goes back before it. */
  latestTimestamp(): string | undefined;
  /** Deletes every tenant's records (the tenants themselves are kept, see tenants.ts). */
  clear(): void;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY,
    updated_at TEXT NOT NULL,
    email_lower TEXT NOT NULL,
    body TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS customers_by_update ON customers (updated_at, id);
  CREATE INDEX IF NOT EXISTS customers_by_email ON customers (email_lower, updated_at, id);
  CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY,
    updated_at TEXT NOT NULL,
    payment_status TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    body TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS orders_by_update ON orders (updated_at, id);
  CREATE INDEX IF NOT EXISTS orders_by_payment_status ON orders (payment_status, updated_at, id);
  CREATE TABLE IF NOT EXISTS refund_requests (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    body TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS refund_requests_by_order ON refund_requests (order_id, updated_at, id);
  CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    created_at TEXT NOT NULL,
    object_id TEXT NOT NULL,
    payload TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS events_by_object ON events (object_id, seq);
`;

interface Where {
  clauses: string[];
  params: Record<string, string | number>;
}

function pageWhere(filter: ListFilter): Where {
  const where: Where = { clauses: [], params: {} };
  if (filter.after) {
    where.clauses.push('(updated_at > @afterAt OR (updated_at = @afterAt AND id > @afterId))');
    where.params.afterAt = filter.after.updatedAt;
    where.params.afterId = filter.after.id;
  }
  if (filter.updatedSince) {
    where.clauses.push('updated_at >= @updatedSince');
    where.params.updatedSince = filter.updatedSince;
  }
  return where;
}

export const DEFAULT_TENANT_ID = 'default';

const TENANT_TABLES = ['customers', 'orders', 'refund_requests', 'events'] as const;

/** Files written before tenants existed get the column; their rows belong to the default tenant. */
function addTenantColumns(db: SandboxDatabase): void {
  for (const table of TENANT_TABLES) {
    const columns = db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all();
    if (!columns.some((column) => column.name === 'tenant_id'))
      db.exec(`ALTER TABLE ${table} ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '${DEFAULT_TENANT_ID}'`);
  }
  db.exec(`
    CREATE INDEX IF NOT EXISTS customers_by_tenant ON customers (tenant_id, updated_at, id);
    CREATE INDEX IF NOT EXISTS orders_by_tenant ON orders (tenant_id, updated_at, id);
    CREATE INDEX IF NOT EXISTS events_by_tenant ON events (tenant_id, seq);
  `);
}

export function createSqliteStore(db: SandboxDatabase, tenantId: string = DEFAULT_TENANT_ID): MonstockStore {
  db.exec(SCHEMA);
  addTenantColumns(db);
  return scopedStore(db, tenantId);
}

function scopedStore(db: SandboxDatabase, tenantId: string): MonstockStore {
  const statements = {
    getOrder: db.prepare<[string, string], { body: string }>('SELECT body FROM orders WHERE id = ? AND tenant_id = ?'),
    saveOrder: db.prepare(
      `INSERT INTO orders (id, tenant_id, updated_at, payment_status, customer_id, body) VALUES (@id, @tenantId, @updatedAt, @paymentStatus, @customerId, @body)
       ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, payment_status = excluded.payment_status,
         customer_id = excluded.customer_id, body = excluded.body`,
    ),
    getCustomer: db.prepare<[string, string], { body: string }>(
      'SELECT body FROM customers WHERE id = ? AND tenant_id = ?',
    ),
    saveCustomer: db.prepare(
      `INSERT INTO customers (id, tenant_id, updated_at, email_lower, body) VALUES (@id, @tenantId, @updatedAt, @emailLower, @body)
       ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, email_lower = excluded.email_lower, body = excluded.body`,
    ),
    getRefundRequest: db.prepare<[string, string, string], { body: string }>(
      'SELECT body FROM refund_requests WHERE order_id = ? AND id = ? AND tenant_id = ?',
    ),
    saveRefundRequest: db.prepare(
      `INSERT INTO refund_requests (id, tenant_id, order_id, updated_at, body) VALUES (@id, @tenantId, @orderId, @updatedAt, @body)
       ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, body = excluded.body`,
    ),
    appendEvent: db.prepare(
      'INSERT INTO events (id, tenant_id, type, created_at, object_id, payload) VALUES (@id, @tenantId, @type, @createdAt, @objectId, @payload)',
    ),
    countOrders: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM orders WHERE tenant_id = ?'),
    countCustomers: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM customers WHERE tenant_id = ?'),
    latest: db.prepare<[], { at: string | null }>(
      'SELECT MAX(at) AS at FROM (SELECT MAX(updated_at) AS at FROM orders UNION ALL SELECT MAX(updated_at) FROM customers UNION ALL SELECT MAX(created_at) FROM events)',
    ),
  };

  function listPage<T>(table: 'orders' | 'customers' | 'refund_requests', where: Where, limit: number): ListResult<T> {
    where.clauses.push('tenant_id = @tenantId');
    where.params.tenantId = tenantId;
    const sql = `SELECT body FROM ${table} ${where.clauses.length ? `WHERE ${where.clauses.join(' AND ')}` : ''}
      ORDER BY updated_at, id LIMIT @take`;
    const rows = db
      .prepare<[Record<string, string | number>], { body: string }>(sql)
      .all({ ...where.params, take: limit + 1 });
    return { items: rows.slice(0, limit).map((row) => JSON.parse(row.body) as T), hasMore: rows.length > limit };
  }

  return {
    tenantId,
    forTenant: (other) => scopedStore(db, other),
    transaction: (work) => db.transaction(work)(),
    getOrder(id) {
      const row = statements.getOrder.get(id, tenantId);
      return row ? (JSON.parse(row.body) as Order) : undefined;
    },
    saveOrder(order) {
      statements.saveOrder.run({
        id: order.id,
        tenantId,
        updatedAt: order.updatedAt,
        paymentStatus: order.paymentStatus,
        customerId: order.customerId,
        body: JSON.stringify(order),
      });
    },
    listOrders(filter) {
      const where = pageWhere(filter);
      if (filter.paymentStatus) {
        where.clauses.push('payment_status = @paymentStatus');
        where.params.paymentStatus = filter.paymentStatus;
      }
      if (filter.reference !== undefined) {
        where.clauses.push("json_extract(body, '$.reference') = @reference");
        where.params.reference = filter.reference;
      }
      return listPage<Order>('orders', where, filter.limit);
    },
    countOrders: () => statements.countOrders.get(tenantId)?.n ?? 0,
    getCustomer(id) {
      const row = statements.getCustomer.get(id, tenantId);
      return row ? (JSON.parse(row.body) as Customer) : undefined;
    },
    saveCustomer(customer) {
      statements.saveCustomer.run({
        id: customer.id,
        tenantId,
        updatedAt: customer.updatedAt,
        emailLower: customer.email.toLowerCase(),
        body: JSON.stringify(customer),
      });
    },
    listCustomers(filter) {
      const where = pageWhere(filter);
      if (filter.email !== undefined) {
        where.clauses.push('email_lower = @emailLower');
        where.params.emailLower = filter.email.toLowerCase();
      }
      return listPage<Customer>('customers', where, filter.limit);
    },
    countCustomers: () => statements.countCustomers.get(tenantId)?.n ?? 0,
    getRefundRequest(orderId, id) {
      const row = statements.getRefundRequest.get(orderId, id, tenantId);
      return row ? (JSON.parse(row.body) as RefundRequest) : undefined;
    },
    saveRefundRequest(request) {
      statements.saveRefundRequest.run({
        id: request.id,
        tenantId,
        orderId: request.orderId,
        updatedAt: request.updatedAt,
        body: JSON.stringify(request),
      });
    },
    listRefundRequests(orderId, filter) {
      const where = pageWhere(filter);
      where.clauses.push('order_id = @orderId');
      where.params.orderId = orderId;
      return listPage<RefundRequest>('refund_requests', where, filter.limit);
    },
    appendEvent(event) {
      statements.appendEvent.run({
        id: event.id,
        tenantId,
        type: event.type,
        createdAt: event.createdAt,
        objectId: event.data.object.id,
        payload: JSON.stringify(event),
      });
    },
    listEvents(filter) {
      const clauses = ['seq > @afterSeq'];
      const params: Record<string, string | number> = { afterSeq: filter.afterSeq ?? 0, take: filter.limit };
      if (filter.tenantId) {
        clauses.push('tenant_id = @tenantId');
        params.tenantId = filter.tenantId;
      }
      if (filter.type) {
        clauses.push('type = @type');
        params.type = filter.type;
      }
      if (filter.objectId) {
        clauses.push('object_id = @objectId');
        params.objectId = filter.objectId;
      }
      const rows = db
        .prepare<[Record<string, string | number>], { seq: number; tenant_id: string; payload: string }>(
          `SELECT seq, tenant_id, payload FROM events WHERE ${clauses.join(' AND ')} ORDER BY seq LIMIT @take`,
        )
        .all(params);
      return rows.map((row) => ({
        seq: row.seq,
        tenantId: row.tenant_id,
        event: JSON.parse(row.payload) as MonstockEvent,
      }));
    },
    latestTimestamp: () => statements.latest.get()?.at ?? undefined,
    clear() {
      db.exec('DELETE FROM orders; DELETE FROM customers; DELETE FROM refund_requests; DELETE FROM events;');
    },
  };
}
