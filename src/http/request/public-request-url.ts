import type { Context } from 'hono';
import { joinUrl } from '../../config/join-url.js';
import type { Deps } from '../../deps.js';
import type { AppEnv } from '../app-env.js';

/** The URL a flow was initiated at, expressed on the public base URL (the one clients know). */
export function requestUrl(deps: Pick<Deps, 'config'>, c: Context<AppEnv>): string {
  const url = new URL(c.req.url);
  return joinUrl(deps.config.serve.public.base_url, `${url.pathname}${url.search}`);
}
