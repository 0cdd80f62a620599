import { randomInt } from 'node:crypto';
import type { Deps } from '../deps.js';
import { badRequest, notFound } from '../errors/kratos-error.js';
import { nextUpdatedAt, saveFlow, uiOf } from '../selfservice/flow-lifecycle.js';
import { issueSession, type ClientInfo } from '../session/issue-session.js';
import { DuplicateCredentialIdentifierError, FlowAlreadyCompletedError } from '../store/errors.js';
import type { Flow, FlowCompletion, JsonObject, SessionWithIdentity } from '../store/types.js';
import { text, type UiText } from '../text/messages.js';
import type { AuthMethodRef } from './callback-endings.js';
import { hashesEqual, sha256 } from './continuity.js';
import { commitPendingLink, type PendingLink } from './pending-link.js';
import { upstreamIdentity, type UpstreamRegistration } from './upstream-identity.js';

/**
 * Session token exchange for native apps (Kratos's session/token_exchange, docs 96_native-apps): the app creates
 * an API flow with `return_session_token_exchange_code=true` and keeps the `session_token_exchange_code` (the
 * init code) of its response; the system browser does the upstream sign-in and is sent to
 * `return_to?code=<return_to_code>`; the app trades both codes at `GET /sessions/token-exchange` for
 * `{session_token, session}`. Neither code alone is worth anything.
 *
 * The two codes are also what binds an API flow to its owner: the init code went to the app that started the
 * flow, the return_to code to the browser that completed the upstream sign-in, so redeeming both proves they are
 * one party. That is why whatever mixes the app's input with the upstream account of that browser (a pending
 * account link, traits the app typed) is written only here, at the redemption (pending-link.ts,
 * upstream-registration.ts).
 *
 * Nothing secret is stored: the flow that issued the init code keeps the two codes' hashes and, once the
 * sign-in is done, what to create. The session itself is created at the exchange, so no session token ever sits
 * in the database (Kratos stores it there in plaintext). The init code starts with that flow's id, which is how
 * the exchange finds the record; flows created on the way (login→registration switch, account linking)
 * point back to it. A redemption is a compare-and-set on that flow, in the same transaction as the session:
 * of concurrent redemptions with the same codes exactly one gets a session.
 */
const RECORD_KEY = 'token_exchange';
const ORIGIN_KEY = 'token_exchange_origin';
/** How long a finished sign-in waits for the app to collect it. */
const REDEEM_WINDOW_MS = 10 * 60 * 1000;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

interface TokenExchangeRecord {
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

/** Starts an exchange on a just-created API flow; returns the init code for the flow's JSON (shown once). */
export function startTokenExchange(flow: Flow): string {
  const initCode = `${flow.id.replace(/-/g, '')}${randomAlphanumeric(32)}`;
  const record: TokenExchangeRecord = { init_code_hash: sha256(initCode) };
  flow.internalContext[RECORD_KEY] = record as unknown as JsonObject;
  flow.internalContext[ORIGIN_KEY] = flow.id;
  return initCode;
}

export function hasTokenExchange(flow: Flow): boolean {
  return typeof flow.internalContext[ORIGIN_KEY] === 'string';
}

/** A flow created on the way to completing `from` carries its exchange along. */
export function inheritTokenExchange(from: Flow, to: Flow): void {
  const origin = from.internalContext[ORIGIN_KEY];
  if (typeof origin === 'string') to.internalContext[ORIGIN_KEY] = origin;
}

/**
 * True when `initCode` is the init code of the exchange `flow` belongs to: the caller is the app that started
 * the flow (a password confirmation of an account link on an API flow must prove this).
 */
export async function holdsTokenExchange(deps: Deps, flow: Flow, initCode: unknown): Promise<boolean> {
  const originId = flow.internalContext[ORIGIN_KEY];
  if (typeof initCode !== 'string' || initCode.length > 128 || typeof originId !== 'string') return false;
  const origin = originId === flow.id ? flow : await deps.store.getFlow(originId);
  const record = origin ? recordOf(origin) : null;
  return record !== null && hashesEqual(record.init_code_hash, sha256(initCode));
}

export type TokenExchangeOutcome =
  | { signedIn: { identityId: string; methods: AuthMethodRef[]; flowId: string; link?: PendingLink } }
  | { registration: { registration: UpstreamRegistration; methods: AuthMethodRef[]; withSession: boolean; flowId: string } }
  | { formFlowId: string };

/**
 * Records how the upstream sign-in of `flow` ended and returns the `return_to_code` to put on the app's
 * return URL. `flow` may be the origin flow itself (then the caller saves it) or one created on the way.
 */
export async function finishTokenExchange(deps: Deps, flow: Flow, outcome: TokenExchangeOutcome): Promise<string> {
  const originId = flow.internalContext[ORIGIN_KEY];
  if (typeof originId !== 'string') throw new Error('flow has no token exchange');
  const origin = originId === flow.id ? flow : await deps.store.getFlow(originId);
  const record = origin ? recordOf(origin) : null;
  if (!origin || !record) throw new Error('the token exchange record is gone');
  const returnToCode = randomAlphanumeric(64);
  record.return_to_code_hash = sha256(returnToCode);
  delete record.signed_in;
  delete record.registration;
  delete record.form_flow_id;
  const redeemableUntil = new Date(deps.now().getTime() + REDEEM_WINDOW_MS).toISOString();
  if ('signedIn' in outcome) {
    const { identityId, methods, flowId, link } = outcome.signedIn;
    record.signed_in = { identity_id: identityId, methods, redeemable_until: redeemableUntil, flow_id: flowId, ...(link ? { link } : {}) };
  } else if ('registration' in outcome) {
    const { registration, methods, withSession, flowId } = outcome.registration;
    record.registration = { registration, methods, with_session: withSession, flow_id: flowId, redeemable_until: redeemableUntil };
  } else {
    record.form_flow_id = outcome.formFlowId;
  }
  if (origin !== flow) await saveFlow(deps, origin);
  return returnToCode;
}

export type RedeemResult = { kind: 'session'; token: string; session: SessionWithIdentity } | { kind: 'form'; flow: Flow };

/** `GET /sessions/token-exchange?init_code=&return_to_code=`, with Kratos's 400 and 404 answers. */
export async function redeemTokenExchange(deps: Deps, initCode: string | undefined, returnToCode: string | undefined, client: ClientInfo): Promise<RedeemResult> {
  if (!initCode || !returnToCode) throw badRequest('both "init_code" and "return_to_code" query params must be set');
  const noSession = notFound('no session yet for this "code"');
  const match = /^([0-9a-f]{32})[A-Za-z0-9]{32}$/.exec(initCode);
  if (!match || returnToCode.length > 128) throw noSession;
  const hex = match[1] as string;
  const originId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const origin = await deps.store.getFlow(originId);
  const record = origin ? recordOf(origin) : null;
  if (!origin || !record || !hashesEqual(record.init_code_hash, sha256(initCode))) throw noSession;
  if (!record.return_to_code_hash || !hashesEqual(record.return_to_code_hash, sha256(returnToCode)) || record.redeemed) throw noSession;

  if (record.form_flow_id) {
    const form = await deps.store.getFlow(record.form_flow_id);
    if (!form) throw noSession;
    return { kind: 'form', flow: form };
  }
  const now = deps.now();
  const pending = record.signed_in ?? record.registration;
  if (!pending || Date.parse(pending.redeemable_until) <= now.getTime()) throw noSession;

  // The compare-and-set that makes the codes work once: the flow as read, marked redeemed, written in the same
  // transaction as what the redemption creates, only if nobody wrote it meanwhile.
  const readAt = origin.updatedAt;
  record.redeemed = true;
  const completion: FlowCompletion = { flow: { ...origin, updatedAt: nextUpdatedAt(deps, readAt) }, expectedUpdatedAt: readAt };
  try {
    return record.signed_in ? await redeemSignIn(deps, record.signed_in, completion, client, now) : await redeemRegistration(deps, record.registration!, completion, client, now);
  } catch (error) {
    if (error instanceof FlowAlreadyCompletedError) throw noSession;
    throw error;
  }
}

async function redeemSignIn(deps: Deps, signedIn: NonNullable<TokenExchangeRecord['signed_in']>, completion: FlowCompletion, client: ClientInfo, now: Date): Promise<RedeemResult> {
  const methods = [...signedIn.methods];
  if (signedIn.link) {
    const identity = await deps.store.getIdentity(signedIn.identity_id, { withCredentials: true });
    const linked = identity ? await commitPendingLink(deps, signedIn.link, identity) : ({ ok: false, message: text.linkedCredentialsMismatch() } as const);
    if (!linked.ok) return showOnFlow(deps, signedIn.flow_id, linked.message);
    methods.push(...linked.methods);
  }
  const issued = issuedSession(deps, signedIn.identity_id, methods, client, now);
  await deps.store.createSession(issued.session, { countsAsLogin: true, completeFlow: completion });
  return sessionResult(deps, issued);
}

async function redeemRegistration(deps: Deps, pending: NonNullable<TokenExchangeRecord['registration']>, completion: FlowCompletion, client: ClientInfo, now: Date): Promise<RedeemResult> {
  const identity = upstreamIdentity(deps, pending.registration, now);
  const issued = pending.with_session ? issuedSession(deps, identity.id, pending.methods, client, now) : null;
  try {
    await deps.store.createIdentity(identity, { ...(issued ? { session: issued.session } : {}), completeFlow: completion });
  } catch (error) {
    if (error instanceof DuplicateCredentialIdentifierError) return showOnFlow(deps, pending.flow_id, text.duplicateCredentials());
    throw error;
  }
  if (issued) return sessionResult(deps, issued);
  // Registered without a session (no `session` hook): the app gets the completed registration flow.
  const flow = await deps.store.getFlow(pending.flow_id);
  if (!flow) throw notFound('no session yet for this "code"');
  return { kind: 'form', flow };
}

function issuedSession(deps: Deps, identityId: string, methods: AuthMethodRef[], client: ClientInfo, now: Date): ReturnType<typeof issueSession> {
  const [first, ...more] = methods;
  const issued = issueSession(identityId, first ?? { method: 'oidc' }, client, now, deps.config.session.lifespan);
  for (const method of more) issued.session.authenticationMethods.push({ ...method, aal: 'aal1', completed_at: now.toISOString() });
  return issued;
}

async function sessionResult(deps: Deps, issued: ReturnType<typeof issueSession>): Promise<RedeemResult> {
  const session = await deps.store.getSession(issued.session.id);
  if (!session) throw notFound('no session yet for this "code"');
  return { kind: 'session', token: issued.token, session };
}

/** What was to be written at the redemption conflicts (an identifier taken meanwhile): the app gets the flow with why. */
async function showOnFlow(deps: Deps, flowId: string | undefined, message: UiText): Promise<RedeemResult> {
  const flow = flowId ? await deps.store.getFlow(flowId) : null;
  if (!flow) throw notFound('no session yet for this "code"');
  uiOf(flow).messages = [message];
  await saveFlow(deps, flow);
  return { kind: 'form', flow };
}

function recordOf(flow: Flow): TokenExchangeRecord | null {
  const value = flow.internalContext[RECORD_KEY];
  return typeof value === 'object' && value !== null ? (value as unknown as TokenExchangeRecord) : null;
}

function randomAlphanumeric(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}
