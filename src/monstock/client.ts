import { Pool, errors as undiciErrors } from 'undici';
import type { z } from 'zod';
import { errorFor, type RequestFacts } from './errorFor';
import { CHANGE_SOURCE_HEADER } from './changeSource';
import { InvalidResponse, type MonstockApiError, NotFound, parseRetryAfter, Unreachable } from './errors';
import {
  customerSchema,
  errorBodySchema,
  orderSchema,
  pageSchema,
  refundRequestSchema,
  type Customer,
  type CustomerInput,
  type Order,
  type OrderInput,
  type OrderPatch,
  type Page,
  type PaymentInput,
  type PaymentStatus,
  type RefundRequest,
  type RefundRequestInput,
  type RefundRequestPatch,
} from './schemas';

/**
 * The one place that knows Monstock's HTTP shape (docs/monstock-api.yaml). Activities call these
 * methods; a real Monstock that differs means changing this file only.
 */
export interface MonstockClientOptions {
  /** Base URL including `/v1`, e.g. http://127.0.0.1:4010/v1 */
  apiUrl: string;
  apiToken: string;
  requestTimeoutMs?: number;
  connections?: number;
  /**
   * Sent with every write as `Monstock-Change-Source`, so the webhooks of the change name this
   * writer (the connector's clients send CONNECTOR_CHANGE_SOURCE; a shop's or a test's, none).
   */
  changeSource?: string;
}

export interface ListOptions {
  updatedSince?: string;
  limit?: number;
  cursor?: string;
}

export interface RecordPaymentResult {
  order: Order;
  /** true on 201; false when Monstock already had this movement (a replay, or a status update of it). */
  created: boolean;
}

const orderPageSchema = pageSchema(orderSchema);
const customerPageSchema = pageSchema(customerSchema);
const refundRequestPageSchema = pageSchema(refundRequestSchema);

export class MonstockClient {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: MonstockClientOptions) {
    const url = new URL(options.apiUrl);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? 32,
      keepAliveTimeout: 30_000,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
  }

  /** Throws OrderNotFound when there is no such order. */
  async getOrder(orderId: string): Promise<Order> {
    return (
      await this.call(
        { method: 'GET', path: `/orders/${encodeURIComponent(orderId)}`, names: orderNamed(orderId) },
        orderSchema,
      )
    ).body;
  }

  /** The order, or undefined when Monstock has none with this id. */
  async findOrder(orderId: string): Promise<Order | undefined> {
    return orMissing(this.getOrder(orderId));
  }

  /** Throws StaleCursor when Monstock no longer accepts `cursor`. */
  async listOrders(
    options: ListOptions & { paymentStatus?: PaymentStatus; reference?: string } = {},
  ): Promise<Page<Order>> {
    return normalisePage(
      (
        await this.call(
          { method: 'GET', path: `/orders${query(options)}`, sentCursor: options.cursor !== undefined },
          orderPageSchema,
        )
      ).body,
    );
  }

  async createOrder(input: OrderInput): Promise<Order> {
    return (await this.call({ method: 'POST', path: '/orders', body: input }, orderSchema)).body;
  }

  /** Throws VersionConflict when `ifMatchVersion` is no longer the order's version. */
  async updateOrder(orderId: string, patch: OrderPatch, ifMatchVersion?: number): Promise<Order> {
    return (
      await this.call(
        {
          method: 'PATCH',
          path: `/orders/${encodeURIComponent(orderId)}`,
          names: orderNamed(orderId),
          body: patch,
          ifMatchVersion,
        },
        orderSchema,
      )
    ).body;
  }

  /**
   * Idempotent on (orderId, kind, transactionRef). Throws MovementConflict when the same movement
   * was recorded with another amount or currency: a contradiction no retry can fix.
   */
  async recordPayment(orderId: string, movement: PaymentInput): Promise<RecordPaymentResult> {
    const answer = await this.call(
      {
        method: 'POST',
        path: `/orders/${encodeURIComponent(orderId)}/payments`,
        names: orderNamed(orderId),
        recordsMovement: true,
        body: movement,
      },
      orderSchema,
    );
    return { order: answer.body, created: answer.status === 201 };
  }

  /** Ours. Throws OrderNotFound for an unknown order, ValidationFailed for another currency than the order's. */
  async createRefundRequest(orderId: string, input: RefundRequestInput): Promise<RefundRequest> {
    return (
      await this.call(
        {
          method: 'POST',
          path: `/orders/${encodeURIComponent(orderId)}/refund-requests`,
          names: orderNamed(orderId),
          body: input,
        },
        refundRequestSchema,
      )
    ).body;
  }

  /** Ours. Every refund request of the order (the pages followed to the end: an order has few). */
  async listRefundRequests(orderId: string): Promise<RefundRequest[]> {
    const requests: RefundRequest[] = [];
    let cursor: string | undefined;
    do {
      const page = normalisePage(
        (
          await this.call(
            {
              method: 'GET',
              path: `/orders/${encodeURIComponent(orderId)}/refund-requests${query({ limit: 200, cursor })}`,
              names: orderNamed(orderId),
              sentCursor: cursor !== undefined,
            },
            refundRequestPageSchema,
          )
        ).body,
      );
      requests.push(...page.data);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return requests;
  }

  /**
   * Ours. Idempotent: the same report twice answers the same request. Throws RefundRequestNotFound
   * when the order or the request is unknown, RefundRequestFinished when the request is succeeded
   * or rejected already and the report says otherwise.
   */
  async updateRefundRequest(orderId: string, id: string, patch: RefundRequestPatch): Promise<RefundRequest> {
    return (
      await this.call(
        {
          method: 'PATCH',
          path: `/orders/${encodeURIComponent(orderId)}/refund-requests/${encodeURIComponent(id)}`,
          names: { resource: 'refund_request', id, orderId },
          reportsRefund: true,
          body: patch,
        },
        refundRequestSchema,
      )
    ).body;
  }

  /** Throws CustomerNotFound when there is no such customer. */
  async getCustomer(customerId: string): Promise<Customer> {
    return (
      await this.call(
        { method: 'GET', path: `/customers/${encodeURIComponent(customerId)}`, names: customerNamed(customerId) },
        customerSchema,
      )
    ).body;
  }

  /** The customer, or undefined when Monstock has none with this id. */
  async findCustomer(customerId: string): Promise<Customer | undefined> {
    return orMissing(this.getCustomer(customerId));
  }

  /** Throws StaleCursor when Monstock no longer accepts `cursor`. */
  async listCustomers(options: ListOptions & { email?: string } = {}): Promise<Page<Customer>> {
    return normalisePage(
      (
        await this.call(
          { method: 'GET', path: `/customers${query(options)}`, sentCursor: options.cursor !== undefined },
          customerPageSchema,
        )
      ).body,
    );
  }

  async createCustomer(input: CustomerInput): Promise<Customer> {
    return (await this.call({ method: 'POST', path: '/customers', body: input }, customerSchema)).body;
  }

  /** Throws VersionConflict when `ifMatchVersion` is no longer the customer's version. */
  async updateCustomer(customerId: string, input: CustomerInput, ifMatchVersion?: number): Promise<Customer> {
    return (
      await this.call(
        {
          method: 'PATCH',
          path: `/customers/${encodeURIComponent(customerId)}`,
          names: customerNamed(customerId),
          body: input,
          ifMatchVersion,
        },
        customerSchema,
      )
    ).body;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async call<T extends z.ZodType>(
    request: MonstockRequest,
    schema: T,
  ): Promise<{ status: number; body: z.infer<T> }> {
    const { method, path, body, ifMatchVersion } = request;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.apiToken}`,
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (ifMatchVersion !== undefined) headers['if-match'] = String(ifMatchVersion);
    if (method !== 'GET' && this.options.changeSource !== undefined)
      headers[CHANGE_SOURCE_HEADER] = this.options.changeSource;
    let response;
    try {
      response = await this.pool.request({
        method,
        path: `${this.basePath}${path}`,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw networkError(method, path, error);
    }
    const text = await response.body.text();
    const status = response.statusCode;
    if (status >= 200 && status < 300) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new InvalidResponse(`Monstock ${method} ${path} answered ${status} with a body that is not JSON`, status);
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        throw new InvalidResponse(
          `Monstock ${method} ${path} answered ${status} with an unexpected shape: ${parsed.error.issues
            .slice(0, 3)
            .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
            .join('; ')}`,
          status,
        );
      }
      return { status, body: parsed.data };
    }
    const described = describeError(text);
    throw errorFor(
      request,
      {
        message: `Monstock ${method} ${path} failed with ${status} ${described.code}: ${described.message}`,
        status,
        code: described.code,
      },
      () => parseRetryAfter(response.headers['retry-after']),
    );
  }
}

interface MonstockRequest extends RequestFacts {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  body?: unknown;
  ifMatchVersion?: number | undefined;
}

const orderNamed = (id: string): RequestFacts['names'] => ({ resource: 'order', id });
const customerNamed = (id: string): RequestFacts['names'] => ({ resource: 'customer', id });

async function orMissing<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof NotFound) return undefined;
    throw error;
  }
}

function networkError(method: string, path: string, error: unknown): MonstockApiError {
  const timedOut =
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    (error as Error).name === 'TimeoutError';
  const reason = timedOut ? 'timed out' : (error as Error).message;
  return new Unreachable(
    `Monstock ${method} ${path} could not be reached: ${reason}`,
    timedOut ? 'timeout' : 'network_error',
  );
}

function describeError(text: string): { code: string; message: string } {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data.error;
  } catch {
    // Not JSON: a proxy or a crash page; fall through to a truncated text.
  }
  return { code: 'unknown_error', message: text.slice(0, 200) || 'no body' };
}

function query(options: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(options) as Array<[string, unknown]>)
    if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function normalisePage<T>(page: { data: T[]; nextCursor?: string | null | undefined }): Page<T> {
  return { data: page.data, nextCursor: page.nextCursor ?? null };
}
