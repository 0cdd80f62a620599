import type { JsonObject } from '../../../json-object.js';
import type { OidcProviderLink } from '../../../oidc/oidc-credential.js';
import type { UpstreamRegistration } from '../../../oidc/upstream-identity.js';

/**
 * What the oidc method keeps on a flow, server-side (src/selfservice/flow-context.ts), each under its own key:
 * - `oidc_pending`: the sign-in sent upstream and not yet back (continuity.ts); on login and registration flows,
 *   with the typed `traits` on registration flows only.
 * - `oidc_link`: an upstream account waiting to be linked to the existing account the flow signs in to
 *   (pending-link.ts); set on the account-linking login flow, and carried over when a callback switches kinds.
 * - `token_exchange` and `token_exchange_origin`: a native app's session token exchange (token-exchange.ts); the
 *   record lives on the flow the app initialized, the flows created on the way point back to it.
 */
export interface OidcFlowContext {
  oidc_pending?: PendingUpstreamSignIn;
  oidc_link?: PendingLink;
  token_exchange?: TokenExchangeRecord;
  token_exchange_origin?: string;
}

/** A method an upstream sign-in authenticated with, as recorded for the session it leads to. */
export type AuthMethodRef = { method: string; provider?: string };

export interface PendingUpstreamSignIn {
  provider: string;
  state_hash: string;
  continuity_hash: string | null;
  pkce_verifier: string | null;
  nonce: string | null;
  expires_at: string;
  /** Traits the user typed into the registration "Continue" form; they win over the mapper's. */
  traits?: JsonObject;
}

export interface PendingLink {
  /** The identifier both accounts share (the email), normalized. */
  duplicate_identifier: string;
  link: OidcProviderLink;
}

export interface TokenExchangeRecord {
  init_code_hash: string;
  return_to_code_hash?: string;
  /** Who signed in, once the upstream sign-in completed with a session to hand out. */
  signed_in?: {
    identity_id: string;
    methods: AuthMethodRef[];
    redeemable_until: string;
    /** The flow the sign-in completed on (where a failure to link is shown). */
    flow_id?: string;
    /** An account link this sign-in confirmed, committed at the redemption. */
    link?: PendingLink;
  };
  /** A registration waiting for the app (traits it typed): the identity is created at the redemption. */
  registration?: { registration: UpstreamRegistration; methods: AuthMethodRef[]; with_session: boolean; flow_id: string; redeemable_until: string };
  /** Set instead when the sign-in ended on a form (errors, "Continue", account linking): the app shows that flow. */
  form_flow_id?: string;
  redeemed?: boolean;
}
