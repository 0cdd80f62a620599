import type { Context } from 'hono';
import type { Deps } from '../../deps.js';
import { defaultReturnUrl } from '../../selfservice/browser-urls.js';
import { allowedReturnTo } from '../../selfservice/return-to.js';
import type { FlowKind } from '../../store/types.js';
import type { AppEnv } from '../app-env.js';

/** `?return_to=` checked against the allow-list (400 `self_service_flow_return_to_forbidden`), or null when absent. */
export function validatedReturnTo(deps: Pick<Deps, 'config'>, c: Context<AppEnv>, after: FlowKind | 'logout'): string | null {
  const raw = c.req.query('return_to');
  return raw ? allowedReturnTo(deps.config, raw, defaultReturnUrl(deps.config, after)) : null;
}
