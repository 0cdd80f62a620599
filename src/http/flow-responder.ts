import type { Context } from 'hono';
import type { Deps } from '../deps.js';
import { KratosError } from '../errors/kratos-error.js';
import { defaultReturnUrl, flowUiUrl } from '../selfservice/browser-urls.js';
import { csrfCookieToken } from '../selfservice/csrf-guard.js';
import { generateCsrfToken } from '../selfservice/csrf-token.js';
import { flowToJson } from '../selfservice/flow-json.js';
import { clearedContinuityCookie, continuityCookie } from '../oidc/continuity.js';
import type { CallbackOutcome, UpstreamRedirectOutcome } from '../oidc/outcomes.js';
import type { SubmitOutcome } from '../selfservice/login.js';
import { presentFlow } from '../selfservice/present-flow.js';
import type { RegistrationOutcome } from '../selfservice/registration.js';
import { allowedReturnTo } from '../selfservice/return-to.js';
import { publicIdentityJson, publicSessionJson } from '../session/session-view.js';
import type { AppEnv } from './app-env.js';
import { isJsonRequest } from './content-negotiation.js';
import { csrfCookie, sessionCookie } from './cookies.js';

/** What turning an outcome into a response needs. */
export type ResponderDeps = Pick<Deps, 'config' | 'store' | 'schemas' | 'now'>;

export type FlowOutcome = SubmitOutcome | RegistrationOutcome | UpstreamRedirectOutcome;

/**
 * The one place that turns the outcome of a login or registration submit into a response. The flow logic is the
 * same for every client; only the transport differs:
 * - API flows: JSON, with the session token in the body.
 * - Browser flows asked for JSON (SPAs): JSON, the session in an HttpOnly cookie and never in the body.
 * - Browser form posts: 303 redirects, back to the form on errors and onward to `return_to` on success.
 */
export async function respondToSubmit(deps: ResponderDeps, c: Context<AppEnv>, submit: () => Promise<FlowOutcome>): Promise<Response> {
  let outcome: FlowOutcome;
  try {
    outcome = await submit();
  } catch (error) {
    const redirect = await expiredBrowserFlowRedirect(deps, c, error);
    if (redirect) return c.redirect(redirect, 303);
    throw error;
  }
  if (outcome.kind === 'redirect_upstream') return upstreamRedirectResponse(deps, c, outcome);
  return outcome.flow.type === 'api' ? apiResponse(deps, c, outcome) : browserResponse(deps, c, outcome);
}

/**
 * A submit that picked an upstream provider: a form post is sent there (303); SPAs and native apps, which asked
 * for JSON, get Kratos's 422 `browser_location_change_required` with `redirect_browser_to` and navigate
 * themselves. Browser flows also get the continuity cookie the callback will look for.
 */
function upstreamRedirectResponse(deps: ResponderDeps, c: Context<AppEnv>, outcome: UpstreamRedirectOutcome): Response {
  if (outcome.continuity) c.header('Set-Cookie', continuityCookie(deps.config, outcome.continuity), { append: true });
  if (outcome.flow.type === 'browser' && !isJsonRequest(c.req.raw.headers)) return c.redirect(outcome.url, 303);
  const error = new KratosError(422, {
    id: 'browser_location_change_required',
    reason: `In order to complete this flow please redirect the browser to: ${outcome.url}`,
    message: 'browser location change required',
    extra: { redirect_browser_to: outcome.url },
  });
  // Built on the context (not errorResponse) so that the continuity cookie set above goes out with it.
  c.header('Ory-Error-Id', error.id);
  return c.json(error.toJSON(c.get('requestId')), 422);
}

/**
 * The end of an upstream callback, which is always a browser navigation coming back from the provider, so it is
 * always a redirect (never JSON), as in Kratos:
 * - signed in: to return_to, with the session cookie (browser flows) or `?code=<return_to_code>` (native apps);
 * - a form to show: to the flow's UI (login 303, registration 302, Kratos's codes), or for native apps to
 *   return_to with `code` and `flow`, the flow then being what the token exchange answers.
 */
export async function respondToCallback(deps: ResponderDeps, c: Context<AppEnv>, callback: () => Promise<CallbackOutcome>): Promise<Response> {
  let outcome: CallbackOutcome;
  try {
    outcome = await callback();
  } catch (error) {
    const redirect = await expiredBrowserFlowRedirect(deps, c, error);
    if (redirect) return c.redirect(redirect, 303);
    throw error;
  }
  const { config } = deps;
  const flow = outcome.flow;
  if (flow.type === 'api') {
    const target = new URL(allowedReturnTo(config, flow.returnTo, defaultReturnUrl(config, flow.kind)));
    if (outcome.returnToCode) target.searchParams.set('code', outcome.returnToCode);
    if (outcome.kind === 'form') target.searchParams.set('flow', flow.id);
    return c.redirect(target.href, 303);
  }
  if (outcome.kind === 'form') {
    const target = new URL(flowUiUrl(config, flow.kind, flow.id));
    if (outcome.accountLinking) target.searchParams.set('no_org_ui', 'true');
    return c.redirect(target.href, flow.kind === 'login' ? 303 : 302);
  }
  const returnTo = allowedReturnTo(config, flow.returnTo, defaultReturnUrl(config, flow.kind));
  c.header('Set-Cookie', clearedContinuityCookie(config), { append: true });
  if (outcome.sessionToken) {
    c.header('Set-Cookie', sessionCookie(config, outcome.sessionToken), { append: true });
    c.header('Set-Cookie', csrfCookie(config, generateCsrfToken()), { append: true });
  }
  return c.redirect(returnTo, 303);
}

function apiResponse(deps: ResponderDeps, c: Context<AppEnv>, outcome: SubmitOutcome | RegistrationOutcome): Response {
  if (outcome.kind === 'form') return c.json(flowToJson(outcome.flow), 400);
  const now = deps.now();
  if (!('identity' in outcome)) {
    return c.json({ session_token: outcome.token, session: publicSessionJson(deps, outcome.session, now), continue_with: null });
  }
  const identity = publicIdentityJson(deps, outcome.identity);
  if (!outcome.session || !outcome.token) return c.json({ identity, continue_with: null });
  return c.json({
    session_token: outcome.token,
    session: publicSessionJson(deps, outcome.session, now),
    identity,
    continue_with: [{ action: 'set_ory_session_token', ory_session_token: outcome.token }],
  });
}

function browserResponse(deps: ResponderDeps, c: Context<AppEnv>, outcome: SubmitOutcome | RegistrationOutcome): Response {
  const { config } = deps;
  const headers = c.req.raw.headers;
  const json = isJsonRequest(headers);
  const flow = outcome.flow;
  if (outcome.kind === 'form') {
    if (json) return c.json(presentFlow(flow, csrfCookieToken(headers, config.serve.public.base_url)), 400);
    return c.redirect(flowUiUrl(config, flow.kind, flow.id), 303);
  }
  // Checked again at the end: the allow-list may have changed since the flow began.
  const returnTo = allowedReturnTo(config, flow.returnTo, defaultReturnUrl(config, flow.kind));
  if (outcome.session && outcome.token) {
    c.header('Set-Cookie', sessionCookie(config, outcome.token), { append: true });
    // A new anti-CSRF token with every new session (as Kratos does), so a token learnt before login is useless.
    c.header('Set-Cookie', csrfCookie(config, generateCsrfToken()), { append: true });
  }
  if (!json) return c.redirect(returnTo, 303);
  const body: Record<string, unknown> = {};
  if (outcome.session) body.session = publicSessionJson(deps, outcome.session, deps.now());
  if ('identity' in outcome) body.identity = publicIdentityJson(deps, outcome.identity);
  body.continue_with = [{ action: 'redirect_browser_to', redirect_browser_to: returnTo }];
  return c.json(body);
}

/**
 * A form post to an expired browser flow goes to the replacement flow's page (it carries the "expired" message),
 * as in Kratos; API clients and JSON requests get the 410 with `use_flow_id`.
 */
async function expiredBrowserFlowRedirect(deps: ResponderDeps, c: Context<AppEnv>, error: unknown): Promise<string | null> {
  if (!(error instanceof KratosError) || error.id !== 'self_service_flow_expired' || isJsonRequest(c.req.raw.headers)) return null;
  const replacementId = error.extra?.use_flow_id;
  const replacement = typeof replacementId === 'string' ? await deps.store.getFlow(replacementId) : null;
  if (!replacement || replacement.type !== 'browser') return null;
  return flowUiUrl(deps.config, replacement.kind, replacement.id);
}
