import type { Context } from 'hono';
import type { RequestContext } from '../../selfservice/request-context.js';
import type { AppEnv } from '../app-env.js';

/** What the flow logic is told about the request, without Hono (selfservice/request-context.ts). */
export function requestContextOf(c: Context<AppEnv>): RequestContext {
  const client = c.get('client');
  return { url: c.req.url, headers: c.req.raw.headers, ip: client.ip, userAgent: client.userAgent };
}
