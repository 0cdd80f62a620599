import { Hono } from 'hono';
import { joinUrl } from '../../config/join-url.js';
import type { Deps } from '../../deps.js';
import { badRequest, conflict, resourceNotFound } from '../../errors/kratos-error.js';
import { identityFromCreateBody } from '../../identity/admin-identity-body.js';
import { identityToJson } from '../../identity/identity-json.js';
import { normalizeIdentifier } from '../../identity/normalize-identifier.js';
import { declassifiedCredentialConfig } from '../../oidc/oidc-credential.js';
import { schemaUrlOf } from '../../session/session-view.js';
import { DuplicateCredentialIdentifierError, DuplicateExternalIdError, DuplicateIdError } from '../../store/errors.js';
import type { Identity } from '../../store/types.js';
import type { AppEnv } from '../app-env.js';
import { readBody } from '../read-body.js';

const DEFAULT_PAGE_SIZE = 250;
const MAX_PAGE_SIZE = 500;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** The identity part of Kratos's admin API (kratos.md §4). */
export function adminIdentityRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const adminJson = (identity: Identity, includeCredential: readonly string[] = []): Record<string, unknown> =>
    identityToJson(identity, { schemaUrl: schemaUrlOf(deps, identity.schemaId), admin: true, includeCredentialConfig: includeCredential, declassify: (credential) => declassifiedCredentialConfig(deps, credential) });

  app.post('/admin/identities', async (c) => {
    const { value } = await readBody(c, deps.config.tessera.maxBodyBytes, ['json']);
    const identity = await identityFromCreateBody(deps, value);
    try {
      await deps.store.createIdentity(identity);
    } catch (error) {
      if (error instanceof DuplicateCredentialIdentifierError || error instanceof DuplicateExternalIdError || error instanceof DuplicateIdError) {
        throw conflict('This identity conflicts with another identity that already exists.');
      }
      throw error;
    }
    c.header('Location', joinUrl(deps.config.serve.admin.baseUrl, `identities/${identity.id}`));
    return c.json(adminJson(identity), 201);
  });

  app.get('/admin/identities', async (c) => {
    const pageSize = parsePageSize(c.req.query('page_size') ?? c.req.query('per_page'));
    const pageToken = c.req.query('page_token');
    if (pageToken !== undefined && !/^[0-9a-f-]{36}$/i.test(pageToken)) throw badRequest('The page token is invalid.');
    const identifier = c.req.query('credentials_identifier');
    const ids = c.req.queries('ids');
    if (ids && ids.length > 500) throw badRequest('At most 500 ids can be requested at once.');
    const identities = await deps.store.listIdentities({
      pageSize: pageSize + 1,
      after: pageToken && pageToken !== NIL_UUID ? pageToken : undefined,
      ids: ids ?? undefined,
      credentialsIdentifier: identifier !== undefined ? normalizeIdentifier(identifier) : undefined,
      withCredentials: identifier !== undefined,
    });
    const page = identities.slice(0, pageSize);
    const base = joinUrl(deps.config.serve.admin.baseUrl, 'admin/identities');
    const links = [`<${base}?page_size=${pageSize}&page_token=${NIL_UUID}>; rel="first"`];
    const last = page[page.length - 1];
    if (identities.length > pageSize && last) links.push(`<${base}?page_size=${pageSize}&page_token=${last.id}>; rel="next"`);
    c.header('Link', links.join(','));
    return c.json(page.map((identity) => adminJson(identity)));
  });

  app.get('/admin/identities/:id', async (c) => {
    const identity = await deps.store.getIdentity(c.req.param('id'), { withCredentials: true });
    if (!identity) throw resourceNotFound();
    return c.json(adminJson(identity, c.req.queries('include_credential') ?? []));
  });

  app.delete('/admin/identities/:id', async (c) => {
    if (!(await deps.store.deleteIdentity(c.req.param('id')))) throw resourceNotFound();
    return c.body(null, 204);
  });

  return app;
}

export function parsePageSize(raw: string | undefined, fallback = DEFAULT_PAGE_SIZE, max = MAX_PAGE_SIZE): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw badRequest('page_size must be a positive integer');
  return Math.min(value, max);
}
