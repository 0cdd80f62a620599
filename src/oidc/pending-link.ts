import type { Deps } from '../deps.js';
import { DuplicateCredentialIdentifierError } from '../store/errors.js';
import type { Flow, Identity, JsonObject } from '../store/types.js';
import { text, type UiText } from '../text/messages.js';
import { oidcIdentifier, type OidcProviderLink } from './oidc-credential.js';

/**
 * The upstream account waiting on an account-linking login flow (Kratos's
 * `registration_duplicate_credentials`, login/hook.go maybeLinkCredentials): someone signed in upstream with
 * an email that an existing account already uses. Nothing is linked until they prove that account by signing
 * in to it on this flow; then the upstream account is added to it as another way to sign in. Never before:
 * linking on the email alone would hand the account to whoever controls that upstream account (Kratos PR #3574).
 *
 * A pending link is exactly as safe as its binding to the person who started the registration that collided.
 * Proving the account on the flow must therefore be done by that same person, never by the account's owner
 * tricked into completing someone else's flow:
 * - Browser flows are bound to the anti-CSRF cookie of the browser that started them (the linking flow inherits
 *   the binding of the registration it replaces). Every submit on a flow with a pending link must come from that
 *   browser with a matching token (ensureBrowserSubmitOwnsFlow), and an upstream confirmation completes only in
 *   the browser holding the continuity cookie its submit set (continuity.ts). So the link is committed at once.
 * - API flows (native apps) have no cookie: whoever knows the flow id can submit it, and the callback of an
 *   upstream confirmation runs in whatever browser opens the provider URL. So a callback never commits a link:
 *   it only records it in the session token exchange, and the link is committed when the exchange is redeemed
 *   with both its init code (held by the app that started the flow) and its return_to code (sent to the browser
 *   that completed the confirmation): the same party, proven. A password confirmation must carry the init code.
 * - The confirmation is a fresh sign-in the user sees: no `upstream_parameters` (`prompt=none` would let a
 *   provider session answer silently), and `prompt=login` is sent (submit.ts).
 */
const CONTEXT_KEY = 'oidc_link';

export interface PendingLink {
  /** The identifier both accounts share (the email), normalized. */
  duplicate_identifier: string;
  link: OidcProviderLink;
}

export function pendingLinkOf(flow: Flow): PendingLink | null {
  const value = flow.internalContext[CONTEXT_KEY];
  return typeof value === 'object' && value !== null ? (value as unknown as PendingLink) : null;
}

export function setPendingLink(flow: Flow, pending: PendingLink): void {
  flow.internalContext[CONTEXT_KEY] = pending as unknown as JsonObject;
}

export type LinkResult = { ok: true; methods: Array<{ method: 'oidc'; provider: string }> } | { ok: false; message: UiText };

/** The account proven on a linking flow must be the one the email belongs to (Kratos's 4010009 otherwise). */
export function ownsDuplicateIdentifier(identity: Identity, pending: PendingLink): boolean {
  return (identity.credentials ?? []).some((c) => c.identifiers.includes(pending.duplicate_identifier));
}

/**
 * Adds the pending upstream account to `identity`, which was just proven by whoever the link is bound to (see
 * above). Only the new credential is written (Store.addOidcProviderLink): traits or state an admin changed since
 * `identity` was read are kept. Returns the extra authentication method for the session.
 */
export async function commitPendingLink(deps: Deps, pending: PendingLink, identity: Identity): Promise<LinkResult> {
  if (!ownsDuplicateIdentifier(identity, pending)) return { ok: false, message: text.linkedCredentialsMismatch() };
  const { link } = pending;
  try {
    const linked = await deps.store.addOidcProviderLink(identity.id, { identifier: oidcIdentifier(link.provider, link.subject), provider: link as unknown as JsonObject }, deps.now());
    if (!linked) return { ok: false, message: text.linkedCredentialsMismatch() };
  } catch (error) {
    if (error instanceof DuplicateCredentialIdentifierError) return { ok: false, message: text.duplicateCredentials() };
    throw error;
  }
  return { ok: true, methods: [{ method: 'oidc', provider: link.provider }] };
}

/**
 * Called when `identity` has just proven a credential on `flow` (password, or another upstream provider) and the
 * submit was bound to the flow's owner. Links the pending upstream account if there is one. The caller saves
 * the flow.
 */
export async function linkPendingUpstreamAccount(deps: Deps, flow: Flow, identity: Identity): Promise<LinkResult> {
  const pending = pendingLinkOf(flow);
  if (!pending) return { ok: true, methods: [] };
  const linked = await commitPendingLink(deps, pending, identity);
  if (linked.ok) delete flow.internalContext[CONTEXT_KEY];
  return linked;
}
