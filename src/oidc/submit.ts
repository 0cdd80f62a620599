import type { Deps } from '../deps.js';
import { KratosError, notFound } from '../errors/kratos-error.js';
import * as client from 'openid-client';
import { expiredFlowError, isExpired, loadFlow, saveFlow, uiOf } from '../selfservice/flow-lifecycle.js';
import { sessionAlreadyAvailable, type SubmitOutcome } from '../selfservice/login.js';
import { registrationDisabled } from '../selfservice/registration.js';
import { ensureBrowserSubmitOwnsFlow } from '../selfservice/csrf-guard.js';
import type { RequestContext } from '../selfservice/request-context.js';
import { addMessage, clearMessages } from '../selfservice/ui-nodes.js';
import type { Flow, FlowKind, JsonObject, SessionWithIdentity } from '../store/types.js';
import { text, type UiText } from '../text/messages.js';
import { continuityHash, continuityValueOf, newState, PENDING_LIFETIME_MS, setPendingSignIn, type PendingUpstreamSignIn } from './continuity.js';
import type { OidcMethod } from './oidc-method.js';
import type { UpstreamRedirectOutcome } from './outcomes.js';
import { pendingLinkOf } from './pending-link.js';
import { flowLike } from './replacement-flow.js';
import { hasTokenExchange } from './token-exchange.js';
import { UpstreamUnavailableError } from './upstream-errors.js';
import { isObject } from '../json/is-object.js';

/**
 * A login or registration submit that picked a provider (`provider=<id>`, `method` absent or `oidc`): Kratos's
 * UpdateLoginFlowWithOidcMethod. The flow gets a pending sign-in (continuity.ts) and the browser is sent to
 * the provider's authorization endpoint.
 *
 * Stricter than Kratos, which checks no CSRF token here: a browser submit must carry the token of the browser
 * the flow was made for. Otherwise a page of another site could make a visitor's browser start a sign-in on a
 * flow of the attacker's (an account-linking flow waiting for its confirmation, say), and the continuity cookie
 * would then be set in the visitor's browser, so its callback would complete there (pending-link.ts).
 *
 * `upstream_parameters` (Kratos's allow-list: hd, prompt, auth_type, acr_values) pass to the provider, except:
 * - `prompt=none`, never: it asks the provider to answer from its session without showing anything, so a
 *   sign-in could complete in a browser whose user never saw it. Tessera's flows are always top-level
 *   navigations with a person in front of them; there is nothing silent to support.
 * - on an account-linking flow, none at all: confirming the account must be a fresh sign-in the user sees at the
 *   provider, so Tessera sends `prompt=login` there itself (as for `refresh=true` logins).
 */
const ALLOWED_UPSTREAM_PARAMETERS = ['hd', 'prompt', 'auth_type', 'acr_values'] as const;

/** True when a submit body selects the oidc method (Kratos's strategy "responsibility" check). */
export function selectsUpstreamProvider(body: unknown): body is JsonObject & { provider: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const fields = body as JsonObject;
  if (typeof fields.provider !== 'string' || fields.provider === '') return false;
  return fields.method === undefined || (typeof fields.method === 'string' && fields.method.toLowerCase() === 'oidc');
}

export function unknownProvider(id: string): KratosError {
  return notFound(`OpenID Connect Provider "${id}" is unknown or has not been configured`);
}

export async function submitUpstreamSignIn(
  deps: Deps,
  method: OidcMethod,
  kind: FlowKind,
  flowId: string,
  fields: JsonObject & { provider: string },
  request: RequestContext,
  session: SessionWithIdentity | null,
): Promise<SubmitOutcome | UpstreamRedirectOutcome> {
  if (kind === 'registration' && !deps.config.selfservice.flows.registration.enabled) throw registrationDisabled();
  const flow = await loadFlow(deps, kind, flowId);
  const now = deps.now();
  if (isExpired(flow, now)) throw await expiredFlowError(deps, flow, flowLike(deps, flow), kind === 'login' ? text.loginFlowExpired(flow.expiresAt, now) : text.registrationFlowExpired(flow.expiresAt, now));
  // Before anything is written: a forged or foreign submit must not even change the flow's messages.
  if (flow.type === 'browser') ensureBrowserSubmitOwnsFlow(deps.config, request.headers, fields, flow);
  const provider = method.provider(fields.provider);
  if (!provider) throw unknownProvider(fields.provider);

  const ui = uiOf(flow);
  clearMessages(ui);
  const fail = async (message: UiText): Promise<SubmitOutcome> => {
    addMessage(ui, null, message);
    await saveFlow(deps, flow);
    return { kind: 'form', flow };
  };
  if (flow.state === 'passed_challenge') return fail(kind === 'login' ? text.loginAlreadyCompleted() : text.registrationAlreadyCompleted());
  if (session && !flow.refresh) return fail(text.generic(sessionAlreadyAvailable().reason ?? 'A valid session was detected.'));
  // Kratos lets this through and fails at the callback ("no resumable session found"); saying why here is kinder.
  if (flow.type === 'api' && !hasTokenExchange(flow)) {
    return fail(text.generic('Signing in with an OpenID Connect provider in an API flow requires initializing the flow with return_session_token_exchange_code=true and a return_to URL of the app.'));
  }

  const upstreamParameters = upstreamParametersOf(fields, flow);
  if ('refused' in upstreamParameters) return fail(upstreamParameters.refused);

  let url: string;
  let pkceVerifier: string | null;
  const { state, stateHash } = newState(flow.id);
  const nonce = provider.protocol === 'openid-connect' ? client.randomNonce() : null;
  try {
    pkceVerifier = (await provider.client.usesPkce()) ? client.randomPKCECodeVerifier() : null;
    url = await provider.client.authorizationUrl({ state, pkceVerifier, nonce, upstreamParameters: upstreamParameters.parameters });
  } catch (error) {
    if (error instanceof UpstreamUnavailableError) {
      deps.logger.warn({ provider: provider.config.id, error: error.message }, 'OIDC provider unavailable');
      throw new KratosError(502, { reason: error.message });
    }
    throw error;
  }

  const continuity = flow.type === 'browser' ? continuityValueOf(request.headers).value : null;
  const pending: PendingUpstreamSignIn = {
    provider: provider.config.id,
    state_hash: stateHash,
    continuity_hash: continuity ? continuityHash(continuity) : null,
    pkce_verifier: pkceVerifier,
    nonce,
    expires_at: new Date(now.getTime() + PENDING_LIFETIME_MS).toISOString(),
  };
  if (kind === 'registration' && isObject(fields.traits)) pending.traits = fields.traits;
  setPendingSignIn(flow, pending);
  flow.active = 'oidc';
  await saveFlow(deps, flow);
  return { kind: 'redirect_upstream', flow, url, continuity };
}

/**
 * The allow-listed `upstream_parameters`, plus `prompt=login` when the user asked to re-authenticate or confirms
 * an account to link; refused as explained above.
 */
function upstreamParametersOf(fields: JsonObject, flow: Flow): { parameters: Record<string, string> } | { refused: UiText } {
  const given = fields.upstream_parameters;
  const linking = pendingLinkOf(flow) !== null;
  if (linking && given !== undefined && given !== null && !(isObject(given) && Object.keys(given).length === 0)) {
    return { refused: text.generic('upstream_parameters are not accepted when confirming an account to link: the confirmation is a fresh sign-in at the provider.') };
  }
  const parameters: Record<string, string> = {};
  if (isObject(given)) {
    for (const name of ALLOWED_UPSTREAM_PARAMETERS) {
      const value = (given as JsonObject)[name];
      if (typeof value === 'string' && value !== '' && value.length <= 256) parameters[name] = value;
    }
  }
  if (parameters.prompt?.toLowerCase().split(/\s+/).includes('none')) {
    return { refused: text.generic('upstream_parameters.prompt=none is not accepted: a sign-in must be one the user sees at the provider.') };
  }
  if (flow.refresh || linking) parameters.prompt = 'login';
  return { parameters };
}
