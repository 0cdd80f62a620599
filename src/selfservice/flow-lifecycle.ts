import { randomBytes, randomUUID } from 'node:crypto';
import { joinUrl } from '../config/join-url.js';
import type { Deps } from '../deps.js';
import { flowExpired, type KratosError, resourceNotFound } from '../errors/kratos-error.js';
import type { Flow, FlowKind, FlowType } from '../store/types.js';
import { minutesSince, type UiText } from '../text/messages.js';
import { browserFlowInitUrl } from './browser-urls.js';
import { enforceFlowCreationLimit } from './rate-limits.js';
import { addMessage, type UiContainer, type UiNode } from './ui-nodes.js';
import { isUuid } from '../text/uuid.js';

export interface NewFlowOptions {
  kind: FlowKind;
  type: FlowType;
  requestUrl: string;
  nodes: UiNode[];
  returnTo?: string | null;
  refresh?: boolean;
  /** The CSRF token for browser flows; API flows get a random one that is never checked (as in Kratos). */
  csrfToken?: string;
  internalContext?: Record<string, unknown>;
}

export function newFlow(deps: Deps, options: NewFlowOptions): Flow {
  const now = deps.now();
  const id = randomUUID();
  const lifespan = options.kind === 'login' ? deps.config.selfservice.flows.login.lifespan : deps.config.selfservice.flows.registration.lifespan;
  const csrfToken = options.csrfToken ?? randomBytes(32).toString('base64');
  const ui: UiContainer = {
    action: joinUrl(deps.config.serve.public.base_url, `self-service/${options.kind}?flow=${id}`),
    method: 'POST',
    nodes: options.nodes.map((node) => (node.attributes.name === 'csrf_token' ? { ...node, attributes: { ...node.attributes, value: csrfToken } } : node)),
  };
  return {
    id,
    kind: options.kind,
    type: options.type,
    expiresAt: new Date(now.getTime() + lifespan),
    issuedAt: now,
    requestUrl: options.requestUrl,
    returnTo: options.returnTo ?? null,
    active: null,
    state: 'choose_method',
    ui: ui as unknown as Record<string, unknown>,
    internalContext: { ...options.internalContext, csrf_token: csrfToken },
    refresh: options.refresh ?? false,
    requestedAal: 'aal1',
    identitySchema: null,
    createdAt: now,
    updatedAt: now,
  };
}

export function uiOf(flow: Flow): UiContainer {
  return flow.ui as unknown as UiContainer;
}

/** Loads a flow of the given kind, or answers 404 as Kratos does for unknown ids. */
export async function loadFlow(deps: Deps, kind: FlowKind, id: string | undefined): Promise<Flow> {
  if (!id || !isUuid(id)) throw resourceNotFound();
  const flow = await deps.store.getFlow(id);
  if (!flow || flow.kind !== kind) throw resourceNotFound();
  return flow;
}

export function isExpired(flow: Flow, now: Date): boolean {
  return flow.expiresAt.getTime() <= now.getTime();
}

/**
 * The 410 Kratos answers for a submit to an expired flow. It carries `use_flow_id`: a fresh flow of the same
 * kind, created here, with the "flow expired" message on it, and counted against `clientIp`'s flow-creation
 * limit like any other new flow.
 */
export async function expiredFlowError(deps: Deps, expired: Flow, replacement: Flow, message: UiText, clientIp: string | null = null): Promise<KratosError> {
  const now = deps.now();
  addMessage(uiOf(replacement), null, message);
  await enforceFlowCreationLimit(deps, clientIp);
  await deps.store.createFlow(replacement);
  return flowExpired(`The self-service flow expired ${minutesSince(expired.expiresAt, now)} minutes ago, initialize a new one.`, {
    extra: {
      expired_at: expired.expiresAt.toISOString(),
      since: (now.getTime() - expired.expiresAt.getTime()) * 1_000_000,
      use_flow_id: replacement.id,
    },
  });
}

/** The 410 for fetching an expired flow (`GET /self-service/<kind>/flows?id=`). */
export function expiredFlowFetchError(deps: Deps, kind: FlowKind): KratosError {
  const name = kind === 'login' ? 'login' : 'registration';
  return flowExpired(`The ${name} flow has expired. Call the ${name} flow init API endpoint to initialize a new ${name} flow.`, {
    details: { api: joinUrl(deps.config.serve.public.base_url, `self-service/${kind}/api`) },
  });
}

export async function saveFlow(deps: Deps, flow: Flow): Promise<void> {
  flow.updatedAt = deps.now();
  await deps.store.updateFlow(flow);
}

/**
 * Saves a flow only if nobody wrote it since it was read, with `updated_at` = `readAt` (compare-and-set,
 * Store.updateFlowIfUnchanged): for a step that must happen once however many requests race for it, such as
 * consuming a pending upstream sign-in. False, with nothing written, when another write came first.
 */
export async function saveFlowIfUnchanged(deps: Deps, flow: Flow, readAt: Date): Promise<boolean> {
  flow.updatedAt = nextUpdatedAt(deps, readAt);
  return deps.store.updateFlowIfUnchanged(flow, readAt);
}

/** Now, or just after `readAt` if the clock has not moved on: a compare-and-set write must change `updated_at`. */
export function nextUpdatedAt(deps: Deps, readAt: Date): Date {
  return new Date(Math.max(deps.now().getTime(), readAt.getTime() + 1));
}

/** The CSRF token a flow was created with; a replacement for an expired browser flow stays bound to the same cookie. */
export function csrfTokenOf(flow: Flow): string | undefined {
  const token = flow.internalContext.csrf_token;
  return typeof token === 'string' ? token : undefined;
}

/** The 410 for fetching an expired browser flow: it tells the UI where to start a new one. */
export function expiredBrowserFlowFetchError(deps: Deps, flow: Flow): KratosError {
  return flowExpired(`The ${flow.kind} flow has expired. Redirect the user to the ${flow.kind} flow init endpoint to initialize a new ${flow.kind} flow.`, {
    details: { redirect_to: browserFlowInitUrl(deps.config, flow.kind, flow.returnTo), ...(flow.returnTo ? { return_to: flow.returnTo } : {}) },
  });
}

/**
 * The answer to a submit that lost the race for a flow another request completed meanwhile: the message is shown,
 * and nothing is written (the stored flow belongs to the winner).
 */
export function alreadyCompleted(flow: Flow, message: UiText): { kind: 'form'; flow: Flow } {
  const shown: Flow = { ...flow, state: 'passed_challenge', ui: structuredClone(flow.ui) };
  addMessage(uiOf(shown), null, message);
  return { kind: 'form', flow: shown };
}
