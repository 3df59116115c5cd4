import { ConnectionError, type ConnectionService } from '../../connections/service';

/**
 * The connection registry on the admin listener (authenticated before it is reached, off the
 * public port), the same operations as `npm run connections`:
 *   GET /connections, GET /connections/<id>, POST /connections (the fields of `add`, as JSON),
 *   PATCH /connections/<id>, DELETE /connections/<id>, POST /connections/<id>/pause|resume.
 * Answers are JSON without secrets; bad input is a 4xx naming the problem.
 */
export interface ConnectionsApiAnswer {
  status: number;
  body: unknown;
}

export interface ConnectionsApi {
  handles(pathname: string): boolean;
  answer(method: string, pathname: string, body: Buffer): Promise<ConnectionsApiAnswer>;
}

const COLLECTION = /^\/connections\/?$/;
// The id is checked by the service (schema.ts); here only "one path segment".
const ITEM = /^\/connections\/([^/]+)\/?$/;
const ACTION = /^\/connections\/([^/]+)\/(pause|resume)\/?$/;

const STATUS_OF: Record<ConnectionError['kind'], number> = { bad_input: 400, not_found: 404, conflict: 409 };

export function createConnectionsApi(service: ConnectionService): ConnectionsApi {
  return {
    handles: (pathname) => pathname === '/connections' || pathname.startsWith('/connections/'),
    async answer(method, pathname, body) {
      try {
        return await route(method, pathname, body);
      } catch (error) {
        if (error instanceof ConnectionError) return { status: STATUS_OF[error.kind], body: { error: error.message } };
        throw error;
      }
    },
  };

  async function route(method: string, pathname: string, body: Buffer): Promise<ConnectionsApiAnswer> {
    if (COLLECTION.test(pathname)) {
      if (method === 'GET') return { status: 200, body: await service.list() };
      if (method === 'POST') return { status: 201, body: await service.add(parseBody(body)) };
      return notAllowed('GET, POST');
    }
    const action = ACTION.exec(pathname);
    if (action) {
      if (method !== 'POST') return notAllowed('POST');
      const id = decodeSegment(action[1]!);
      return { status: 200, body: await service.setStatus(id, action[2] === 'pause' ? 'paused' : 'active') };
    }
    const item = ITEM.exec(pathname);
    if (!item) return { status: 404, body: { error: 'not found' } };
    const id = decodeSegment(item[1]!);
    if (method === 'GET') return { status: 200, body: await service.show(id) };
    if (method === 'PATCH') return { status: 200, body: await service.update(id, parseBody(body)) };
    if (method === 'DELETE') return { status: 200, body: await service.remove(id) };
    return notAllowed('GET, PATCH, DELETE');
  }
}

function notAllowed(allow: string): ConnectionsApiAnswer {
  return { status: 405, body: { error: `method not allowed (allowed: ${allow})` } };
}

function parseBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new ConnectionError('bad_input', 'the body must be a JSON object');
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ConnectionError('bad_input', 'the connection id in the path is not valid URL encoding');
  }
}
