import type { AuthenticatorAssuranceLevel } from '../session/session.js';
import type { UiContainer } from './ui-nodes.js';
import type { FlowInternalContext } from './flow-context.js';

/** A self-service flow (Kratos's login and registration flows; settings, recovery and verification come next). */
export type FlowKind = 'login' | 'registration';
export type FlowType = 'api' | 'browser';

export interface Flow {
  id: string;
  kind: FlowKind;
  type: FlowType;
  expiresAt: Date;
  issuedAt: Date;
  requestUrl: string;
  returnTo: string | null;
  /** The credential method used, set after a submit (`password`, `oidc`). */
  active: string | null;
  state: string;
  /** The form as served: `{action, method, nodes, messages?}`. */
  ui: UiContainer;
  /** Server-side context that is never serialized to clients (CSRF token, the oidc method's pending sign-in, ...). */
  internalContext: FlowInternalContext;
  refresh: boolean;
  requestedAal: AuthenticatorAssuranceLevel;
  identitySchema: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Completes a flow in the same transaction as the write it authorizes (the new identity or session): the flow
 * moves to `passed_challenge` only if it was not there already, otherwise the whole write is rolled back with
 * FlowAlreadyCompletedError. Two concurrent submits of one flow can therefore never both succeed.
 */
export interface FlowCompletion {
  flow: Flow;
  /**
   * Compare-and-set on `updated_at` instead of on the state: the flow is written only if its stored `updated_at`
   * is still this, whatever its state (a token exchange is redeemed on a flow that may be completed already).
   * `flow.updatedAt` must be later than this.
   */
  expectedUpdatedAt?: Date;
}
