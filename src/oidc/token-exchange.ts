import { randomInt } from 'node:crypto';
import type { Deps } from '../deps.js';
import { badRequest, notFound } from '../errors/kratos-error.js';
import { issueSession, type ClientInfo } from '../session/issue-session.js';
import type { Flow, JsonObject, SessionWithIdentity } from '../store/types.js';
import { hashesEqual, sha256 } from './continuity.js';

/**
 * Session token exchange for native apps (Kratos's session/token_exchange, docs 96_native-apps): the app creates
 * an API flow with `return_session_token_exchange_code=true` and keeps the `session_token_exchange_code` (the
 * init code) of its response; the system browser does the upstream sign-in and is sent to
 * `return_to?code=<return_to_code>`; the app trades both codes at `GET /sessions/token-exchange` for
 * `{session_token, session}`. Neither code alone is worth anything.
 *
 * Nothing secret is stored: the flow that issued the init code keeps the two codes' hashes and, once the
 * sign-in is done, who signed in. The session itself is created at the exchange, so no session token ever sits
 * in the database (Kratos stores it there in plaintext). The init code starts with that flow's id, which is how
 * the exchange finds the record; flows created on the way (login→registration switch, account linking)
 * point back to it.
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
  signed_in?: { identity_id: string; methods: Array<{ method: string; provider?: string }>; redeemable_until: string };
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

export type TokenExchangeOutcome = { signedIn: { identityId: string; methods: Array<{ method: string; provider?: string }> } } | { formFlowId: string };

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
  delete record.form_flow_id;
  if ('signedIn' in outcome) {
    record.signed_in = {
      identity_id: outcome.signedIn.identityId,
      methods: outcome.signedIn.methods,
      redeemable_until: new Date(deps.now().getTime() + REDEEM_WINDOW_MS).toISOString(),
    };
  } else {
    record.form_flow_id = outcome.formFlowId;
  }
  if (origin !== flow) {
    origin.updatedAt = deps.now();
    await deps.store.updateFlow(origin);
  }
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
  const signedIn = record.signed_in;
  const now = deps.now();
  if (!signedIn || Date.parse(signedIn.redeemable_until) <= now.getTime()) throw noSession;
  // Marked first: a second redemption with the same codes finds nothing, even if it races this one.
  record.redeemed = true;
  origin.updatedAt = now;
  await deps.store.updateFlow(origin);

  const [first, ...more] = signedIn.methods;
  const issued = issueSession(signedIn.identity_id, first ?? { method: 'oidc' }, client, now, deps.config.session.lifespan);
  for (const method of more) issued.session.authenticationMethods.push({ ...method, aal: 'aal1', completed_at: now.toISOString() });
  await deps.store.createSession(issued.session, { countsAsLogin: true });
  const session = await deps.store.getSession(issued.session.id);
  if (!session) throw noSession;
  return { kind: 'session', token: issued.token, session };
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
