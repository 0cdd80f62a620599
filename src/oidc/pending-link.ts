import type { Deps } from '../deps.js';
import { DuplicateCredentialIdentifierError } from '../store/errors.js';
import type { Flow, Identity, JsonObject } from '../store/types.js';
import { text, type UiText } from '../text/messages.js';
import { credentialsWithLink, type OidcProviderLink } from './oidc-credential.js';

/**
 * The upstream account waiting on an account-linking login flow (Kratos's
 * `registration_duplicate_credentials`, login/hook.go maybeLinkCredentials): someone signed in upstream with
 * an email that an existing account already uses. Nothing is linked until they prove that account by signing
 * in to it on this flow; then the upstream account is added to it as another way to sign in. Never before:
 * linking on the email alone would hand the account to whoever controls that upstream account (Kratos PR #3574).
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

/**
 * Called when `identity` has just proven a credential on `flow` (password, or another upstream provider). Links
 * the pending upstream account if there is one and returns the extra authentication method for the session.
 * The caller saves the flow.
 */
export async function linkPendingUpstreamAccount(deps: Deps, flow: Flow, identity: Identity): Promise<LinkResult> {
  const pending = pendingLinkOf(flow);
  if (!pending) return { ok: true, methods: [] };
  const owned = (identity.credentials ?? []).some((c) => c.identifiers.includes(pending.duplicate_identifier));
  if (!owned) return { ok: false, message: text.linkedCredentialsMismatch() };
  try {
    await deps.store.updateIdentity({ ...identity, credentials: credentialsWithLink(identity, pending.link, deps.now()), updatedAt: deps.now() });
  } catch (error) {
    if (error instanceof DuplicateCredentialIdentifierError) return { ok: false, message: text.duplicateCredentials() };
    throw error;
  }
  delete flow.internalContext[CONTEXT_KEY];
  return { ok: true, methods: [{ method: 'oidc', provider: pending.link.provider }] };
}
