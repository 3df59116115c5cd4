import { z } from 'zod';
import { Router } from '../kit/http';
import type { CustomerService } from './customerService';
import type { OrderService } from './orderService';
import { parseBody, parseQuery } from './requests';
import { seedSchema } from './schemas';
import { seed } from './seed';
import type { MonstockStore } from './store';
import { EVENT_TYPES } from './types';

/**
 * Sandbox-only routes (no auth, no faults), on top of the shell's faults/reset/webhooks:
 * - POST /_sandbox/seed   { customers, orders, currency?, webhooks? } -> the new ids
 * - GET  /_sandbox/events ?type=&objectId=&after=<seq>&limit= -> every event emitted, in order
 */
const eventsQuerySchema = z.strictObject({
  type: z.enum(EVENT_TYPES).optional(),
  objectId: z.string().min(1).optional(),
  after: z.string().regex(/^\d+$/).transform(Number).optional(),
  limit: z.string().regex(/^\d+$/).transform(Number).pipe(z.int().min(1).max(10_000)).default(1000),
});

export function createAdminRouter(deps: {
  store: MonstockStore;
  orders: OrderService;
  customers: CustomerService;
}): Router {
  return new Router()
    .on('POST', '/_sandbox/seed', (request) => ({ status: 201, body: seed(deps, parseBody(seedSchema, request)) }))
    .on('GET', '/_sandbox/events', (request) => {
      const query = parseQuery(eventsQuerySchema, request);
      const stored = deps.store.listEvents({
        limit: query.limit,
        ...(query.type ? { type: query.type } : {}),
        ...(query.objectId ? { objectId: query.objectId } : {}),
        ...(query.after !== undefined ? { afterSeq: query.after } : {}),
      });
      return { status: 200, body: { data: stored.map(({ seq, event }) => ({ seq, ...event })) } };
    });
}
