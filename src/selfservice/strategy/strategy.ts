import type { Deps } from '../../deps.js';
import type { JsonObject } from '../../json-object.js';
import type { SessionWithIdentity } from '../../session/session.js';
import type { FlowKind } from '../flow.js';
import type { RequestContext } from '../request-context.js';
import type { SubmissionRules, SubmitBody } from '../submission.js';
import type { LoginOutcome, RegistrationOutcome, UpstreamRedirectOutcome } from '../submit-outcomes.js';
import type { UiNode } from '../ui-nodes.js';

/**
 * A sign-in method (Kratos's "strategy": `password`, `oidc`, and later `code`, `totp`, `webauthn`, ...). The flows
 * know methods only through this interface: a new flow asks every enabled strategy for its form fields, and a
 * submit is handed to the first strategy that says it is responsible for the body, as Kratos's login and
 * registration handlers do (selfservice/flow/login/strategy.go in https://github.com/ory/kratos). A strategy
 * lives in its own folder under src/selfservice/strategy/ and is registered in strategies.ts; no route names it.
 */
export interface Strategy {
  /** The Kratos method name: what `method` says in a submit, and `active` on a flow it completed. */
  readonly id: string;
  /** Whether a submitted body (a JSON object) is meant for this method. */
  isResponsible(fields: JsonObject): boolean;
  /** Adds this method's form fields to a new flow of `kind`, around the fields the flow starts with. */
  addNodes(deps: Deps, kind: FlowKind, nodes: UiNode[]): void;
  /** Its submit for each kind of flow it takes part in; a kind it has no entry for is never handed to it. */
  readonly submit: Partial<StrategySubmits>;
}

/** One submit per flow kind (settings, recovery and verification join here). */
export interface StrategySubmits {
  login(deps: Deps, submit: StrategySubmit): Promise<LoginOutcome | UpstreamRedirectOutcome>;
  registration(deps: Deps, submit: StrategySubmit): Promise<RegistrationOutcome | UpstreamRedirectOutcome>;
}

/** A submit as the flow hands it to the responsible strategy. */
export interface StrategySubmit {
  flowId: string;
  /** The body as decoded, and (`fields`) the object it decoded to, which the strategy said it is responsible for. */
  body: SubmitBody;
  fields: JsonObject;
  request: RequestContext;
  /** The caller's session, if any. */
  session: SessionWithIdentity | null;
  /** What the flow kind decides for every method: the replacement of an expired flow and its messages. */
  rules: SubmissionRules;
}
