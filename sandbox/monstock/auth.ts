import crypto from 'node:crypto';
import type { SandboxRequest, SandboxResponse } from '../kit/http';
import { errorBody } from './errors';

/** `Authorization: Bearer <token>`; compared in constant time like a real service would. */
export function bearerAuthenticator(token: string): (request: SandboxRequest) => SandboxResponse | undefined {
  const expected = digest(token);
  return (request) => {
    const header = request.headers.authorization ?? '';
    const found = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const presented = found?.[1];
    if (presented !== undefined && crypto.timingSafeEqual(digest(presented), expected)) return undefined;
    return {
      status: 401,
      headers: { 'www-authenticate': 'Bearer' },
      body: errorBody(401, 'unauthorized', presented === undefined ? 'Missing bearer token.' : 'Invalid bearer token.'),
    };
  };
}

// Hashing first makes both sides the same length, which timingSafeEqual requires.
function digest(value: string): Buffer {
  return crypto.createHash('sha256').update(value, 'utf8').digest();
}
