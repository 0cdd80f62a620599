import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.js';
import { createAccessLog } from '../logging/access-log.js';
import { extractSessionToken, findActiveSession, type HeaderLookup } from '../session/session-credentials.js';
import { whoamiAnswererFor } from '../session/whoami-answer.js';
import { NO_CACHE } from './middleware/no-cache.js';
import { WHOAMI_PATHS } from './routes/whoami.js';

export type NodeListener = (request: IncomingMessage, response: ServerResponse) => void;

/** The only query the fast path reads; anything else (other parameters, escapes) goes through Hono. */
const TOKENIZE_QUERY = /^tokenize_as=[A-Za-z0-9_-]+$/;
/** The request headers whoami reads: the three places a session token can be, and the request id for the log. */
const READ_HEADERS = ['x-session-token', 'cookie', 'authorization', 'x-request-id'] as const;
type ReadHeader = (typeof READ_HEADERS)[number];
/** HTTP whitespace, which `Headers` strips from both ends of a value (Node's parser already strips most of it). */
const HTTP_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

/**
 * Successful plain GETs of whoami (`/sessions/whoami`, `/session/whoami`, optionally `?tokenize_as=<template>`),
 * answered on node:http directly, before the request is turned into a web Request for Hono.
 *
 * Why: this is the one route that is called for every API request of every user, and the adaptation between
 * node:http and Hono (a Request, a Context, the middleware chain, a Headers object for the response and its
 * conversion back) cost more than the rest of a cached whoami: ~25-35 µs of ~60-90 µs of server CPU per request,
 * measured on the benchmark machine (docs/performance.md).
 *
 * It answers exactly what the Hono route answers, because both call the same WhoamiAnswerer, with the same
 * headers in the same order (those of @hono/node-server for that route) and the same access-log line. Everything
 * else goes to `fallback` (the Hono app) untouched: other methods, other queries, a header whoami reads given
 * twice, a request with no session credentials, and any failure (no active session, an unknown template, a mapper
 * error, the database), for which the route then produces Kratos's error response itself.
 */
export function withWhoamiFastPath(deps: Deps, fallback: NodeListener): NodeListener {
  const answerer = whoamiAnswererFor(deps);
  const accessLog = createAccessLog(deps.logger);
  const cookieName = deps.config.session.cookie.name;
  const paths: ReadonlySet<string> = new Set(WHOAMI_PATHS);

  return function publicListener(request, response) {
    if (request.method !== 'GET') return fallback(request, response);
    const url = request.url ?? '';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    if (!paths.has(path)) return fallback(request, response);
    let template: string | undefined;
    if (queryAt !== -1) {
      const query = url.slice(queryAt + 1);
      if (!TOKENIZE_QUERY.test(query)) return fallback(request, response);
      template = query.slice('tokenize_as='.length);
    }
    const headers = readHeaders(request.rawHeaders);
    const token = headers && extractSessionToken(headers, cookieName);
    if (!headers || !token) return fallback(request, response);

    const started = performance.now();
    const now = deps.now();
    findActiveSession(deps.store, token, now)
      .then((session) => (session ? answerer.answer(session, now, template) : null))
      .then(
        (answer) => {
          if (!answer) return fallback(request, response);
          response.writeHead(200, {
            'cache-control': NO_CACHE,
            'content-type': 'application/json',
            'x-kratos-authenticated-identity-id': answer.identityId,
            'Content-Length': Buffer.byteLength(answer.body),
          });
          response.end(answer.body);
          const requestId = headers.get('x-request-id');
          accessLog?.({
            requestId: requestId && requestId.length <= 128 ? requestId : randomUUID(),
            method: 'GET',
            path: path.length > 256 ? `${path.slice(0, 256)}…` : path,
            status: 200,
            ms: Math.round((performance.now() - started) * 100) / 100,
          });
        },
        () => fallback(request, response),
      );
  };
}

/**
 * The headers whoami reads, as `Headers.get` would return them; null when one of them is given more than once
 * (rare, and `Headers` joins such values in ways best left to the general path).
 */
function readHeaders(raw: string[]): HeaderLookup | null {
  const found: Partial<Record<ReadHeader, string>> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const length = (raw[i] as string).length;
    if (length !== 15 && length !== 6 && length !== 13 && length !== 12) continue;
    const name = (raw[i] as string).toLowerCase() as ReadHeader;
    if (!READ_HEADERS.includes(name)) continue;
    if (found[name] !== undefined) return null;
    found[name] = (raw[i + 1] as string).replace(HTTP_WHITESPACE, '');
  }
  return { get: (name) => found[name as ReadHeader] ?? null };
}
