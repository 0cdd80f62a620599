import { joinUrl } from '../config/join-url.js';
import type { Config } from '../config/types.js';
import { deriveLogoutToken } from '../session/logout-token.js';
import type { FlowKind } from '../store/types.js';

/** Where a browser is sent to see a flow: the configured UI URL with `?flow=<id>`. */
export function flowUiUrl(config: Config, kind: FlowKind, flowId: string): string {
  const url = new URL(kind === 'login' ? config.selfservice.flows.login.ui_url : config.selfservice.flows.registration.ui_url);
  url.searchParams.set('flow', flowId);
  return url.href;
}

/** Where a browser flow starts (`/self-service/<kind>/browser`), carrying `return_to` along. */
export function browserFlowInitUrl(config: Config, kind: FlowKind, returnTo: string | null = null): string {
  const url = new URL(joinUrl(config.serve.public.base_url, `self-service/${kind}/browser`));
  if (returnTo) url.searchParams.set('return_to', returnTo);
  return url.href;
}

/** Where a browser goes after a flow completes when it asked for no `return_to`. */
export function defaultReturnUrl(config: Config, after: FlowKind | 'logout'): string {
  const flows = config.selfservice.flows;
  const specific = after === 'login' ? flows.login.after.default_browser_return_url : after === 'registration' ? flows.registration.after.default_browser_return_url : flows.logout.after.default_browser_return_url;
  return specific ?? config.selfservice.default_browser_return_url;
}

/** The browser logout URL for the session behind `sessionToken` (its logout token is derived, logout-token.ts). */
export function logoutUrl(config: Config, sessionToken: string, returnTo: string | null = null): { url: string; token: string } {
  const token = deriveLogoutToken(sessionToken);
  const url = new URL(joinUrl(config.serve.public.base_url, 'self-service/logout'));
  url.searchParams.set('token', token);
  if (returnTo) url.searchParams.set('return_to', returnTo);
  return { url: url.href, token };
}
