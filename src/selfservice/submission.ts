import type { Deps } from '../deps.js';
import type { Flow, FlowKind } from '../store/types.js';
import { text, type UiText } from '../text/messages.js';
import { apiFlowMisuse } from './api-flow-guard.js';
import { ensureBrowserSubmitCsrf } from './csrf-guard.js';
import { expiredFlowError, isExpired, loadFlow, saveFlow, uiOf } from './flow-lifecycle.js';
import { enforceClientIpLimit } from './rate-limits.js';
import type { RequestContext } from './request-context.js';
import { addMessage, clearMessages, type UiContainer } from './ui-nodes.js';
import { isObject } from '../json/is-object.js';

/** A submit body, or the reason it could not be decoded (shown on the flow as message 4000001). */
export type SubmitBody = { ok: true; value: unknown } | { ok: false; reason: string };

/** A submit answered with the flow and its messages (400 + flow JSON, or a redirect back to the form). */
export type FormOutcome = { kind: 'form'; flow: Flow };

/** A live, accepted submit of a password method, ready for the method's own checks. */
export interface OpenSubmission {
  flow: Flow;
  ui: UiContainer;
  /** The decoded body: always a JSON object here. */
  fields: Record<string, unknown>;
  /** Adds a message (to a node, or to the form) and saves the flow. */
  fail(message: UiText, node?: string | null): Promise<FormOutcome>;
  /** Saves the flow with the messages already added to it. */
  showForm(): Promise<FormOutcome>;
}

export interface SubmissionRules {
  /** A fresh flow of the same kind, offered (with `use_flow_id`) when this one expired. */
  replacement(expired: Flow): Flow;
  expiredMessage(expired: Flow, now: Date): UiText;
  alreadyCompletedMessage: UiText;
}

/**
 * What every password submit checks, in Kratos's order, before looking at credentials: the flow exists (404) and
 * is live (410 with a replacement); a browser submit carries its CSRF token (403) — both before anything is
 * written; the client address is within its rate limit (429); the flow is not completed; an API flow is not used
 * from a browser; the body decodes to an object. Failures from there on are messages on the flow.
 */
export async function openSubmission(deps: Deps, kind: FlowKind, flowId: string, body: SubmitBody, request: RequestContext, rules: SubmissionRules): Promise<OpenSubmission | FormOutcome> {
  const flow = await loadFlow(deps, kind, flowId);
  const now = deps.now();
  if (isExpired(flow, now)) throw await expiredFlowError(deps, flow, rules.replacement(flow), rules.expiredMessage(flow, now), request.ip);
  // Before anything is written: a forged cross-site submit must not even change the flow's messages.
  if (flow.type === 'browser') ensureBrowserSubmitCsrf(request.headers, deps.config.serve.public.base_url, body.ok ? body.value : null);
  const ui = uiOf(flow);
  clearMessages(ui);
  // Counted once the flow is known to be live (and, for browser flows, the submit is not a forged cross-site one,
  // which would otherwise let any web page use up its visitors' attempts), before anything is written.
  await enforceClientIpLimit(deps, kind, request.ip);
  const showForm = async (): Promise<FormOutcome> => {
    await saveFlow(deps, flow);
    return { kind: 'form', flow };
  };
  const fail = (message: UiText, node: string | null = null): Promise<FormOutcome> => {
    addMessage(ui, node, message);
    return showForm();
  };

  if (flow.state === 'passed_challenge') return fail(rules.alreadyCompletedMessage);
  if (flow.type === 'api') {
    const misuse = apiFlowMisuse(request.headers);
    if (misuse) return fail(misuse);
  }
  if (!body.ok) return fail(text.generic(body.reason));
  const fields = asObject(body.value);
  if (!fields) return fail(text.generic('The request body must be a JSON object.'));
  return { flow, ui, fields, fail, showForm };
}

export function isFormOutcome(value: OpenSubmission | FormOutcome): value is FormOutcome {
  return 'kind' in value;
}

export function asObject(value: unknown): Record<string, unknown> | null {
  return isObject(value) ? value : null;
}

export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}
