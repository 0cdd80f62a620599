import { Hono, type Context } from 'hono';
import type { Deps } from '../../deps.js';
import { badRequest, invalidPageToken, resourceNotFound, unparsableQueryParameter } from '../../errors/kratos-error.js';
import { decodeSessionPageToken, encodeSessionPageToken, FIRST_SESSION_PAGE_TOKEN } from '../../session/session-page-token.js';
import { adminSessionJson, publicSessionJson, type SessionExpansion } from '../../session/session-view.js';
import type { SessionWithIdentity } from '../../store/types.js';
import type { AppEnv } from '../app-env.js';
import { keysetLinkHeader } from '../pagination/keyset-link.js';
import { migrationPaginationLink, offsetLinkHeaders } from '../pagination/offset-link.js';
import { parseGoBool } from '../request/parse-go-bool.js';
import { parseUuidOrBadRequest } from '../request/parse-uuid.js';

const DEFAULT_PAGE_SIZE = 250;
const MAX_PAGE_SIZE = 1000;

/**
 * The session part of Kratos's admin API (session/handler.go). Every read goes to the store, so a revocation is
 * seen by the very next whoami (and so by tokenization, which runs only for an active session).
 */
export function adminSessionRoutes(deps: Pick<Deps, 'config' | 'store' | 'schemas' | 'now'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const toJson = (session: SessionWithIdentity, expand: SessionExpansion): Record<string, unknown> => adminSessionJson(deps, session, deps.now(), expand);

  app.get('/admin/sessions', async (c) => {
    const active = parseActive(c);
    const expand = parseExpand(c);
    const pageSize = parseKeysetPageSize(c);
    const rawToken = c.req.query('page_token');
    let cursor;
    if (rawToken) {
      const decoded = decodeSessionPageToken(rawToken);
      if (!decoded.ok && decoded.problem === 'undecodable') throw unparsableQueryParameter('page_size');
      if (!decoded.ok) throw invalidPageToken();
      cursor = decoded.cursor;
    }
    const rows = (await deps.store.listSessions({ pageSize: pageSize + 1, after: cursor, active, withIdentity: true })) as SessionWithIdentity[];
    const page = rows.slice(0, pageSize);
    const last = page[page.length - 1];
    const next = rows.length > pageSize && last ? encodeSessionPageToken({ createdAt: last.createdAt, id: last.id }) : null;
    c.header('Link', keysetLinkHeader(new URL(c.req.url), pageSize, FIRST_SESSION_PAGE_TOKEN, next));
    return c.json(page.map((session) => toJson(session, expand)));
  });

  app.get('/admin/sessions/:id', async (c) => {
    const id = parseUuidOrBadRequest(c.req.param('id'));
    const expand = parseExpand(c);
    const session = await deps.store.getSession(id);
    if (!session) throw resourceNotFound();
    return c.json(toJson(session, expand));
  });

  app.delete('/admin/sessions/:id', async (c) => {
    const id = parseUuidOrBadRequest(c.req.param('id'));
    if (!(await deps.store.revokeSession(id))) throw resourceNotFound();
    return c.body(null, 204);
  });

  // Kratos without `feature_flags.faster_session_extend` (its default) answers 200 with the session; the SDK's
  // extendSession handles this and the 204 of the newer behaviour alike.
  app.patch('/admin/sessions/:id/extend', async (c) => {
    const id = parseUuidOrBadRequest(c.req.param('id'));
    const session = await deps.store.getSession(id);
    if (!session) throw resourceNotFound();
    const now = deps.now();
    const expiresAt = new Date(now.getTime() + deps.config.session.lifespan);
    // Kratos refreshes only when that moves the expiry later (session.earliest_possible_extend defaults to the lifespan).
    if (expiresAt.getTime() > session.expiresAt.getTime()) {
      if (!(await deps.store.extendSession(id, expiresAt))) throw resourceNotFound();
      session.expiresAt = expiresAt;
    }
    return c.json(publicSessionJson(deps, session, now));
  });

  app.get('/admin/identities/:id/sessions', async (c) => {
    const identityId = parseUuidOrBadRequest(c.req.param('id'));
    const active = parseActive(c);
    const { page, perPage } = parseMigrationPagination(c);
    const filter = { identityId, active };
    const [rows, total] = await Promise.all([
      deps.store.listSessions({ ...filter, pageSize: perPage, offset: page * perPage, withIdentity: true }),
      deps.store.countSessions(filter),
    ]);
    const headers = offsetLinkHeaders(new URL(c.req.url), total, page, perPage, migrationPaginationLink);
    c.header('X-Total-Count', headers.totalCount);
    c.header('Link', headers.link);
    return c.json((rows as SessionWithIdentity[]).map((session) => toJson(session, { identity: true, devices: true })));
  });

  app.delete('/admin/identities/:id/sessions', async (c) => {
    const identityId = parseUuidOrBadRequest(c.req.param('id'));
    // Kratos answers 404 when there was nothing to delete.
    if ((await deps.store.deleteIdentitySessions(identityId)) === 0) throw resourceNotFound();
    return c.body(null, 204);
  });

  return app;
}

function parseActive(c: Context<AppEnv>): boolean | undefined {
  const raw = c.req.query('active');
  if (raw === undefined || raw === '') return undefined;
  const value = parseGoBool(raw);
  if (value === null) throw unparsableQueryParameter('active');
  return value;
}

function parseExpand(c: Context<AppEnv>): SessionExpansion {
  const expansion: SessionExpansion = { identity: false, devices: false };
  for (const raw of c.req.queries('expand') ?? []) {
    const value = raw.toLowerCase();
    if (value === 'identity') expansion.identity = true;
    else if (value === 'devices') expansion.devices = true;
    else throw badRequest(`Could not parse expand option: ${raw}`);
  }
  return expansion;
}

function parseKeysetPageSize(c: Context<AppEnv>): number {
  const raw = (c.req.queries('page_size') ?? []).find((v) => v !== '');
  if (raw === undefined) return DEFAULT_PAGE_SIZE;
  if (!/^[+-]?[0-9]+$/.test(raw)) throw unparsableQueryParameter('page_size');
  const size = Number(raw);
  return size <= 0 ? DEFAULT_PAGE_SIZE : Math.min(size, MAX_PAGE_SIZE);
}

/** oryx migrationpagination: offset tokens when `page_token`/`page_size` are present, else `page`/`per_page`. */
function parseMigrationPagination(c: Context<AppEnv>): { page: number; perPage: number } {
  const int = (raw: string | undefined, fallback: number): number => (raw !== undefined && /^[+-]?[0-9]+$/.test(raw) ? Number(raw) : fallback);
  const clamp = (n: number): number => Math.min(MAX_PAGE_SIZE, Math.max(1, n));
  if (c.req.query('page_token') !== undefined || c.req.query('page_size') !== undefined) {
    const perPage = clamp(int(c.req.query('page_size'), DEFAULT_PAGE_SIZE));
    let offset = 0;
    const token = c.req.query('page_token');
    if (token) {
      try {
        offset = Number((JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown }).offset ?? 0) || 0;
      } catch {
        offset = 0;
      }
    }
    return withinRange({ page: Math.max(0, Math.trunc(offset / perPage)), perPage });
  }
  return withinRange({ page: Math.max(0, int(c.req.query('page'), 0)), perPage: clamp(int(c.req.query('per_page'), DEFAULT_PAGE_SIZE)) });
}

/** Offsets past what a database integer holds are a client error, not a query that fails with a 500. */
const MAX_OFFSET = 2 ** 31 - 1;
function withinRange(pagination: { page: number; perPage: number }): { page: number; perPage: number } {
  if (!Number.isSafeInteger(pagination.page) || pagination.page * pagination.perPage > MAX_OFFSET) throw badRequest('The requested page is out of range.');
  return pagination;
}
