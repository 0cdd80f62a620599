import type { Deps } from '../deps.js';
import { badRequest } from '../errors/kratos-error.js';
import type { SessionWithIdentity } from '../store/types.js';
import { findActiveSession } from './session-credentials.js';
import { publicSessionJson } from './session-view.js';

/** A successful whoami: the JSON body and the identity it names (for `X-Kratos-Authenticated-Identity-Id`). */
export interface WhoamiAnswer {
  identityId: string;
  body: string;
}

/**
 * `GET /sessions/whoami[?tokenize_as=<template>]` without its HTTP: look the token up (a revoked session or a
 * disabled identity is refused on the very next call, see the stores), serialize the session, and with a template
 * append the token. Served both by the Hono route (routes/whoami.ts) and by the node:http fast path
 * (http/whoami-fast-path.ts), so the two cannot answer differently.
 */
export class WhoamiAnswerer {
  /**
   * Each frozen session's JSON text. A frozen session is one the store shares between calls while it is unchanged
   * (SQLite's session cache, PostgreSQL's decoded-row memo): its text cannot change either. `active` is part of
   * it, and is true whenever we get here.
   */
  private readonly serialized = new WeakMap<SessionWithIdentity, string>();

  constructor(private readonly deps: Deps) {}

  /** The answer, or null when the token names no active session (the caller answers Kratos's 401). */
  async answer(token: string | null, template: string | undefined): Promise<WhoamiAnswer | null> {
    const { deps } = this;
    const now = deps.now();
    const session = token ? await findActiveSession(deps.store, token, now) : null;
    if (!session) return null;
    // Serialized once: the same text is the mapper's `session` and, with `tokenized` appended, the response.
    let body = this.serialized.get(session);
    if (body === undefined) {
      body = JSON.stringify(publicSessionJson(deps, session, now));
      if (Object.isFrozen(session)) this.serialized.set(session, body);
    }
    if (template !== undefined && template !== '') {
      if (!deps.tokenizer) throw badRequest(`Unable to find tokenizer template "${template}".`);
      const tokenized = await deps.tokenizer.tokenize(template, session, body);
      body = `${body.slice(0, -1)},"tokenized":${JSON.stringify(tokenized)}}`;
    }
    return { identityId: session.identity.id, body };
  }
}

const answerers = new WeakMap<Deps, WhoamiAnswerer>();

/** The one answerer of a runtime, shared by the route and the fast path (and so is the serialization cache). */
export function whoamiAnswererFor(deps: Deps): WhoamiAnswerer {
  let answerer = answerers.get(deps);
  if (!answerer) {
    answerer = new WhoamiAnswerer(deps);
    answerers.set(deps, answerer);
  }
  return answerer;
}
