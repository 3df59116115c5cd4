import type { ApiRoute, SandboxContext } from './context';
import { ok } from './context';
import { invalidRequest, resourceMissing } from './errors';
import type { EventBus } from './eventBus';
import { createdConditions, expandObject, LIST_PARAMS, listObjects, readPage, type Condition } from './list';
import type { StripeEvent, StripeObject } from './types';

/**
 * `/v1/events`: retrieve any stored event, list those of the last 30 days (Stripe keeps no
 * longer), filtered by `type` (with `*` wildcards), `types[]`, `created` and
 * `delivery_success` (false = some endpoint has not acknowledged it: still retrying or given up).
 */
export const EVENT_RETENTION_SECONDS = 30 * 24 * 60 * 60;

export function presentEvent(events: EventBus) {
  return (object: StripeObject): StripeObject => ({ ...object, pending_webhooks: events.pendingWebhooks(object.id) });
}

function typeCondition(type: string): Condition {
  if (!type.includes('*')) return { sql: 'lookup = ?', args: [type] };
  const pattern = type.replace(/[\\%_]/g, (char) => `\\${char}`).replace(/\*/g, '%');
  return { sql: "lookup LIKE ? ESCAPE '\\'", args: [pattern] };
}

const UNDELIVERED =
  'EXISTS (SELECT 1 FROM stripe_event_deliveries d WHERE d.event_id = stripe_objects.id AND d.delivered = 0)';

export function eventRoutes(ctx: SandboxContext): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/v1/events',
      handler: ({ params }) => {
        params.allow([...LIST_PARAMS, 'created', 'delivery_success', 'type', 'types']);
        const type = params.string('type', { max: 100 });
        const types = params.stringList('types', { max: 20 });
        if (type && types) throw invalidRequest('You may only specify one of these parameters: type, types.', 'types');
        const deliverySuccess = params.boolean('delivery_success');
        const conditions: Condition[] = [
          { sql: 'created >= ?', args: [ctx.clock.nowSeconds() - EVENT_RETENTION_SECONDS] },
          ...createdConditions(params.created()),
        ];
        if (type) conditions.push(typeCondition(type));
        if (types && types.length > 0) {
          const each = types.map(typeCondition);
          conditions.push({ sql: `(${each.map((c) => c.sql).join(' OR ')})`, args: each.flatMap((c) => c.args) });
        }
        if (deliverySuccess !== undefined)
          conditions.push({ sql: deliverySuccess ? `NOT ${UNDELIVERED}` : UNDELIVERED, args: [] });
        return ok(
          listObjects(ctx.store, {
            type: 'event',
            url: '/v1/events',
            page: readPage(params),
            conditions,
            expand: params.expand(),
            present: ctx.present,
          }),
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/events/:id',
      handler: ({ params, path }) => {
        params.allow([]);
        const event = ctx.store.find<StripeEvent>('event', path.id as string);
        if (!event) throw resourceMissing('event', path.id as string);
        return ok(expandObject(ctx.store, ctx.present(event), params.expand(), ctx.present));
      },
    },
  ];
}
