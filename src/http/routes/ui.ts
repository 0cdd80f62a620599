import { Hono, type Context } from 'hono';
import { joinUrl } from '../../config/join-url.js';
import type { Deps } from '../../deps.js';
import { KratosError } from '../../errors/kratos-error.js';
import { browserFlowInitUrl, logoutUrl } from '../../selfservice/browser-urls.js';
import { csrfCookieToken, ensureFlowBelongsToBrowser } from '../../selfservice/csrf-guard.js';
import { csrfTokenOf, isExpired, loadFlow } from '../../selfservice/flow-lifecycle.js';
import { presentFlow } from '../../selfservice/present-flow.js';
import { ensureFlowCreationAllowed } from '../../selfservice/rate-limits.js';
import type { UiContainer } from '../../selfservice/ui-nodes.js';
import type { Flow, FlowKind } from '../../store/types.js';
import { renderErrorPage } from '../../ui/error-page.js';
import { renderFlowPage } from '../../ui/flow-page.js';
import { renderWelcomePage } from '../../ui/welcome-page.js';
import type { AppEnv } from '../app-env.js';
import { htmlResponse } from '../html-response.js';

/**
 * The built-in pages, the default `ui_url`s: server-rendered from the flow, so they work without JavaScript.
 * They read flows the way any custom UI would (same CSRF binding, same masking), just without the HTTP hop.
 */
export function uiRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { config } = deps;

  for (const kind of ['login', 'registration'] as const) {
    app.get(`/ui/${kind}`, async (c) => {
      const flow = await browserFlowOrNull(deps, kind, c.req.query('flow'));
      // No flow, an unknown or expired one: start a fresh flow, which comes back here with ?flow=. The init
      // endpoint counts the new flow; an address already over its limit is refused here, without a redirect.
      if (!flow || isExpired(flow, deps.now())) {
        await ensureFlowCreationAllowed(deps, c.get('client').ip);
        return c.redirect(browserFlowInitUrl(config, kind, flow?.returnTo ?? c.req.query('return_to') ?? null), 303);
      }
      const headers = c.req.raw.headers;
      ensureFlowBelongsToBrowser(headers, config.serve.public.base_url, csrfTokenOf(flow), browserFlowInitUrl(config, kind, flow.returnTo));
      const ui = presentFlow(flow, csrfCookieToken(headers, config.serve.public.base_url)).ui as UiContainer;
      const other: FlowKind = kind === 'login' ? 'registration' : 'login';
      return htmlResponse(renderFlowPage({ kind, ui, otherFlowUrl: browserFlowInitUrl(config, other, flow.returnTo) }));
    });
  }

  app.get('/ui/welcome', async (c) => {
    const { token } = c.var.session;
    const session = await c.var.session.active();
    const whoami = joinUrl(config.serve.public.base_url, 'sessions/whoami');
    return htmlResponse(
      renderWelcomePage({
        signedIn:
          token && session
            ? {
                identityId: session.identity.id,
                traits: session.identity.traits,
                expiresAt: session.expiresAt,
                logoutUrl: logoutUrl(config, token).url,
                whoamiUrl: whoami,
                tokenizeUrls: [...config.session.whoami.tokenizer.templates.keys()].map((template) => ({ template, url: `${whoami}?tokenize_as=${encodeURIComponent(template)}` })),
              }
            : null,
        loginUrl: browserFlowInitUrl(config, 'login'),
        registrationUrl: browserFlowInitUrl(config, 'registration'),
      }),
    );
  });

  // Kratos's error UI receives the id of a stored error; Tessera shows errors where they happen (see
  // error-handler.ts), so this page only explains the well-known error ids it may be linked with.
  app.get('/ui/error', (c) => htmlResponse(errorPageFor(deps, c)));

  return app;
}

async function browserFlowOrNull(deps: Deps, kind: FlowKind, id: string | undefined): Promise<Flow | null> {
  if (!id) return null;
  try {
    const flow = await loadFlow(deps, kind, id);
    return flow.type === 'browser' ? flow : null;
  } catch (error) {
    if (error instanceof KratosError && error.code === 404) return null;
    throw error;
  }
}

const KNOWN_ERRORS: Record<string, string> = {
  security_csrf_violation: 'The form could not be trusted: it was sent from another site, or your cookies changed. Please start again.',
  self_service_flow_return_to_forbidden: 'The page you were to be sent to afterwards is not allowed.',
  self_service_flow_expired: 'The form expired. Please start again.',
  session_already_available: 'You are already signed in.',
};

function errorPageFor(deps: Deps, c: Context<AppEnv>): string {
  const id = c.req.query('id');
  const known = id ? KNOWN_ERRORS[id] : undefined;
  return renderErrorPage({ id: known ? id : undefined, message: known ?? 'An error occurred.', startOverUrl: browserFlowInitUrl(deps.config, 'login') });
}
