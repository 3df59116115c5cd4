import { Pool, errors as undiciErrors } from 'undici';
import type { z } from 'zod';
import { isRetryableStatus, MonstockApiError, parseRetryAfter } from './errors';
import {
  customerSchema,
  errorBodySchema,
  orderSchema,
  pageSchema,
  type Customer,
  type CustomerInput,
  type Order,
  type OrderInput,
  type OrderPatch,
  type Page,
  type PaymentInput,
  type PaymentStatus,
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

  async getOrder(orderId: string): Promise<Order> {
    return (await this.call('GET', `/orders/${encodeURIComponent(orderId)}`, orderSchema)).body;
  }

  async listOrders(options: ListOptions & { paymentStatus?: PaymentStatus; reference?: string } = {}): Promise<Page<Order>> {
    return normalisePage((await this.call('GET', `/orders${query(options)}`, orderPageSchema)).body);
  }

  async createOrder(input: OrderInput): Promise<Order> {
    return (await this.call('POST', '/orders', orderSchema, input)).body;
  }

  async updateOrder(orderId: string, patch: OrderPatch, ifMatchVersion?: number): Promise<Order> {
    return (await this.call('PATCH', `/orders/${encodeURIComponent(orderId)}`, orderSchema, patch, ifMatchVersion)).body;
  }

  /**
   * Idempotent on (orderId, kind, transactionRef). A 409 means the same movement was recorded
   * with another amount or currency: a contradiction no retry can fix, so it is not retryable.
   */
  async recordPayment(orderId: string, movement: PaymentInput): Promise<RecordPaymentResult> {
    try {
      const answer = await this.call('POST', `/orders/${encodeURIComponent(orderId)}/payments`, orderSchema, movement);
      return { order: answer.body, created: answer.status === 201 };
    } catch (error) {
      if (error instanceof MonstockApiError && error.status === 409) {
        throw new MonstockApiError(error.message, 409, 'conflict', false);
      }
      throw error;
    }
  }

  async getCustomer(customerId: string): Promise<Customer> {
    return (await this.call('GET', `/customers/${encodeURIComponent(customerId)}`, customerSchema)).body;
  }

  async listCustomers(options: ListOptions & { email?: string } = {}): Promise<Page<Customer>> {
    return normalisePage((await this.call('GET', `/customers${query(options)}`, customerPageSchema)).body);
  }

  async createCustomer(input: CustomerInput): Promise<Customer> {
    return (await this.call('POST', '/customers', customerSchema, input)).body;
  }

  async updateCustomer(customerId: string, input: CustomerInput, ifMatchVersion?: number): Promise<Customer> {
    return (await this.call('PATCH', `/customers/${encodeURIComponent(customerId)}`, customerSchema, input, ifMatchVersion)).body;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async call<T extends z.ZodType>(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    schema: T,
    body?: unknown,
    ifMatchVersion?: number,
  ): Promise<{ status: number; body: z.infer<T> }> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.apiToken}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (ifMatchVersion !== undefined) headers['if-match'] = String(ifMatchVersion);
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
        throw new MonstockApiError(`Monstock ${method} ${path} answered ${status} with a body that is not JSON`, status, 'invalid_response', false);
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        throw new MonstockApiError(
          `Monstock ${method} ${path} answered ${status} with an unexpected shape: ${parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
          status,
          'invalid_response',
          false,
        );
      }
      return { status, body: parsed.data };
    }
    const described = describeError(text);
    throw new MonstockApiError(
      `Monstock ${method} ${path} failed with ${status} ${described.code}: ${described.message}`,
      status,
      described.code,
      isRetryableStatus(status),
      status === 429 ? parseRetryAfter(response.headers['retry-after']) : undefined,
    );
  }
}

function networkError(method: string, path: string, error: unknown): MonstockApiError {
  const timedOut = error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError || (error as Error).name === 'TimeoutError';
  const reason = timedOut ? 'timed out' : (error as Error).message;
  return new MonstockApiError(`Monstock ${method} ${path} could not be reached: ${reason}`, undefined, timedOut ? 'timeout' : 'network_error', true);
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
  for (const [key, value] of Object.entries(options) as Array<[string, unknown]>) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function normalisePage<T>(page: { data: T[]; nextCursor?: string | null | undefined }): Page<T> {
  return { data: page.data, nextCursor: page.nextCursor ?? null };
}
