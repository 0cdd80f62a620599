import type { Deps } from '../deps.js';
import { unknownTemplate } from '../errors/kratos-error.js';
import type { SessionWithIdentity } from './session.js';
import { publicSessionJson } from './session-view.js';

/** A successful whoami: the JSON body and the identity it names (for `X-Kratos-Authenticated-Identity-Id`). */
export interface WhoamiAnswer {
  identityId: string;
  body: string;
}

export type WhoamiDeps = Pick<Deps, 'schemas' | 'tokenizer'>;

/**
 * `GET /sessions/whoami[?tokenize_as=<template>]` without its HTTP, once the active session is known: serialize
 * it and, with a template, append the token. The Hono route (http/routes/whoami.ts) answers with it, and so can
 * the node:http fast path (http/whoami-fast-path.ts), so that they cannot answer differently.
 */
export class WhoamiAnswerer {
  /**
   * Each frozen session's JSON text. A frozen session is one the store shares between calls while it is unchanged
   * (SQLite's session cache, PostgreSQL's decoded-row memo): its text cannot change either. `active` is part of it, and is true
   * whenever we get here.
   */
  private readonly serialized = new WeakMap<SessionWithIdentity, string>();

  constructor(private readonly deps: WhoamiDeps) {}

  /** `session` is active at `now` (the instant it was judged by). */
  async answer(session: SessionWithIdentity, now: Date, template: string | undefined): Promise<WhoamiAnswer> {
    const { deps } = this;
    // Serialized once: the same text is the mapper's `session` and, with `tokenized` appended, the response.
    let body = this.serialized.get(session);
    if (body === undefined) {
      body = JSON.stringify(publicSessionJson(deps, session, now));
      if (Object.isFrozen(session)) this.serialized.set(session, body);
    }
    if (template !== undefined && template !== '') {
      if (!deps.tokenizer) throw unknownTemplate(template);
      const tokenized = await deps.tokenizer.tokenize(template, session, body);
      body = `${body.slice(0, -1)},"tokenized":${JSON.stringify(tokenized)}}`;
    }
    return { identityId: session.identity.id, body };
  }
}

const answerers = new WeakMap<WhoamiDeps, WhoamiAnswerer>();

/**
 * The one answerer of a runtime, shared by the Hono route and the node:http fast path (http/whoami-fast-path.ts),
 * and with it the serialization cache.
 */
export function whoamiAnswererFor(deps: WhoamiDeps): WhoamiAnswerer {
  let answerer = answerers.get(deps);
  if (!answerer) {
    answerer = new WhoamiAnswerer(deps);
    answerers.set(deps, answerer);
  }
  return answerer;
}
