import type { ApiRoute, SandboxContext } from './context';
import { ok } from './context';
import { invalidRequest, resourceMissing } from './errors';
import { newId } from './ids';
import { createdConditions, LIST_PARAMS, listObjects, readPage } from './list';
import { applyMetadata, type Params } from './params';
import type { WebhookEndpoint } from './types';

/**
 * Webhook endpoints: where events are delivered, each signed with its own `whsec_` secret that
 * Stripe shows once, in the create answer. `disabled=true` pauses deliveries.
 */
export interface EndpointInternal {
  secret: string;
  /** A Connect endpoint (`connect=true`): receives the connected accounts' events, not the account's own. */
  connect?: boolean;
}

const MAX_ENDPOINTS = 16;
/** Stripe takes `*` or exact event types here (no `charge.*` families, unlike the events list). */
const EVENT_PATTERN = /^[a-z_]+(\.[a-z_]+)+$/;
const API_VERSION = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/;

function readUrl(params: Params, required: boolean): string | undefined {
  const url = params.string('url', { required, max: 5000 });
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidRequest(`Invalid URL: ${url}`, 'url', 'url_invalid');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw invalidRequest(`Invalid URL: ${url}. URLs must use http or https.`, 'url', 'url_invalid');
  return url;
}

function readEnabledEvents(params: Params, required: boolean): string[] | undefined {
  const events = params.stringList('enabled_events', { required, max: 250 });
  if (events === undefined) return undefined;
  if (events.length === 0)
    throw invalidRequest('Invalid array: enabled_events must name at least one event.', 'enabled_events');
  for (const [index, event] of events.entries()) {
    if (event !== '*' && !EVENT_PATTERN.test(event))
      throw invalidRequest(`Invalid enabled_events[${index}]: ${event}`, `enabled_events[${index}]`);
  }
  return [...new Set(events)];
}

export function webhookEndpointRoutes(ctx: SandboxContext): ApiRoute[] {
  const find = (id: string): WebhookEndpoint => {
    const endpoint = ctx.store.find<WebhookEndpoint>('webhook_endpoint', id);
    if (!endpoint) throw resourceMissing('webhook_endpoint', id);
    return endpoint;
  };
  return [
    {
      method: 'POST',
      path: '/v1/webhook_endpoints',
      handler: ({ params }) => {
        params.allow(['api_version', 'connect', 'description', 'enabled_events', 'metadata', 'url']);
        const url = readUrl(params, true) as string;
        const enabledEvents = readEnabledEvents(params, true) as string[];
        const apiVersion = params.string('api_version', { max: 50 });
        if (apiVersion !== undefined && !API_VERSION.test(apiVersion))
          throw invalidRequest(`Invalid api_version: ${apiVersion}`, 'api_version');
        const connect = params.boolean('connect') ?? false;
        if (ctx.store.all('webhook_endpoint').length >= MAX_ENDPOINTS) {
          throw invalidRequest(`You have reached the maximum of ${MAX_ENDPOINTS} test webhook endpoints.`, 'url');
        }
        const endpoint: WebhookEndpoint = {
          id: newId('we'),
          object: 'webhook_endpoint',
          api_version: apiVersion ?? null,
          application: null,
          created: ctx.clock.nowSeconds(),
          description: params.string('description', { max: 5000 }) || null,
          enabled_events: enabledEvents,
          livemode: false,
          metadata: applyMetadata({}, params.metadata()),
          status: 'enabled',
          url,
        };
        const internal: EndpointInternal = { secret: newId('whsec'), ...(connect ? { connect } : {}) };
        ctx.store.insert(endpoint, internal);
        return ok({ ...endpoint, secret: internal.secret });
      },
    },
    {
      method: 'GET',
      path: '/v1/webhook_endpoints',
      handler: ({ params }) => {
        params.allow([...LIST_PARAMS, 'created']);
        return ok(
          listObjects(ctx.store, {
            type: 'webhook_endpoint',
            url: '/v1/webhook_endpoints',
            page: readPage(params),
            conditions: createdConditions(params.created()),
            expand: params.expand(),
            present: ctx.present,
          }),
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/webhook_endpoints/:id',
      handler: ({ params, path }) => {
        params.allow([]);
        return ok(find(path.id as string));
      },
    },
    {
      method: 'POST',
      path: '/v1/webhook_endpoints/:id',
      handler: ({ params, path }) => {
        params.allow(['description', 'disabled', 'enabled_events', 'metadata', 'url']);
        const current = find(path.id as string);
        const next: WebhookEndpoint = { ...current, metadata: applyMetadata(current.metadata, params.metadata()) };
        const url = readUrl(params, false);
        if (url) next.url = url;
        const enabledEvents = readEnabledEvents(params, false);
        if (enabledEvents) next.enabled_events = enabledEvents;
        const disabled = params.boolean('disabled');
        if (disabled !== undefined) next.status = disabled ? 'disabled' : 'enabled';
        const description = params.nullableString('description', { max: 5000 });
        if (description !== undefined) next.description = description;
        ctx.store.save(next);
        return ok(next);
      },
    },
    {
      method: 'DELETE',
      path: '/v1/webhook_endpoints/:id',
      handler: ({ params, path }) => {
        params.allow([]);
        const endpoint = find(path.id as string);
        ctx.store.markDeleted(endpoint.id);
        return ok({ id: endpoint.id, object: 'webhook_endpoint', deleted: true });
      },
    },
  ];
}
