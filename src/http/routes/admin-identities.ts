import { isDeepStrictEqual } from 'node:util';
import { Hono, type Context } from 'hono';
import { joinUrl } from '../../config/join-url.js';
import type { Deps } from '../../deps.js';
import { badRequest, conflict, KratosError, notFound, resourceNotFound } from '../../errors/kratos-error.js';
import { identityFromCreateBody } from '../../identity/admin-identity-body.js';
import { identityToJson } from '../../identity/identity-json.js';
import { identityFromPatch, identityFromUpdateBody } from '../../identity/identity-update.js';
import { storedIdentifierCandidates } from '../../identity/normalize-identifier.js';
import { declassifiedCredentialConfig } from '../../oidc/oidc-credential.js';
import { schemaUrlOf } from '../../session/session-view.js';
import { DuplicateCredentialIdentifierError, DuplicateExternalIdError, DuplicateIdError } from '../../store/errors.js';
import type { Credential, Identity } from '../../store/types.js';
import { NIL_UUID } from '../../text/uuid.js';
import type { AppEnv } from '../app-env.js';
import { keysetLinkHeader } from '../pagination/keyset-link.js';
import { offsetLinkHeaders, pagePaginationLink } from '../pagination/offset-link.js';
import { parseJson, readBody, readLimitedText } from '../read-body.js';
import { parseIdentityListQuery } from '../request/identity-list-query.js';

/** Kratos's credential types (identity/credentials.go), valid values of `include_credential`. */
const KRATOS_CREDENTIAL_TYPES = new Set(['password', 'oidc', 'totp', 'lookup_secret', 'webauthn', 'code', 'passkey', 'profile', 'saml', 'link_recovery', 'code_recovery', 'deviceauthn']);
const IDENTITY_CONFLICT = 'This identity conflicts with another identity that already exists.';

/** The identity part of Kratos's admin API (https://github.com/ory/kratos/blob/master/identity/handler.go). */
export function adminIdentityRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const adminJson = (identity: Identity, includeCredential: readonly string[] = []): Record<string, unknown> =>
    identityToJson(identity, { schemaUrl: schemaUrlOf(deps, identity.schemaId), admin: true, includeCredentialConfig: includeCredential, declassify: (credential) => declassifiedCredentialConfig(deps, credential) });

  app.post('/admin/identities', async (c) => {
    const { value } = await readBody(c, deps.config.tessera.limits.max_body_size, ['json']);
    const identity = await identityFromCreateBody(deps, value);
    await writeOrConflict(() => deps.store.createIdentity(identity));
    c.header('Location', joinUrl(deps.config.serve.admin.base_url, `identities/${identity.id}`));
    return c.json(adminJson(identity), 201);
  });

  app.get('/admin/identities', async (c) => {
    const requestUrl = new URL(c.req.url);
    const query = parseIdentityListQuery(requestUrl);
    const includeCredential = includedCredentialTypes(c);
    const withCredentials = includeCredential.length > 0 || query.credentialsIdentifier !== undefined;
    // Organizations do not exist in Tessera, so an organization filter matches nothing.
    const filtersOutEverything = query.organizationId !== undefined;
    const filter = {
      ids: query.ids,
      credentialIdentifiers: query.credentialsIdentifier !== undefined ? storedIdentifierCandidates(query.credentialsIdentifier) : undefined,
      withCredentials,
    };

    if (query.pagination.kind === 'page') {
      const { page, perPage } = query.pagination;
      const identities = filtersOutEverything ? [] : await deps.store.listIdentities({ ...filter, pageSize: perPage, offset: page * perPage });
      const total = query.credentialsIdentifier !== undefined ? identities.length : await deps.store.countIdentities();
      const headers = offsetLinkHeaders(requestUrl, total, page, perPage, pagePaginationLink);
      c.header('X-Total-Count', headers.totalCount);
      c.header('Link', headers.link);
      return c.json(identities.map((identity) => adminJson(identity, includeCredential)));
    }

    const { pageSize, after, linkUrl } = query.pagination;
    const rows = filtersOutEverything ? [] : await deps.store.listIdentities({ ...filter, pageSize: pageSize + 1, after });
    const page = rows.slice(0, pageSize);
    const next = rows.length > pageSize ? (page[page.length - 1]?.id ?? null) : null;
    c.header('Link', keysetLinkHeader(linkUrl, pageSize, NIL_UUID, next));
    return c.json(page.map((identity) => adminJson(identity, includeCredential)));
  });

  app.get('/admin/identities/by/external/:externalID', async (c) => {
    const externalId = c.req.param('externalID');
    if (externalId === '') throw badRequest('The external ID must not be empty.');
    const includeCredential = includedCredentialTypes(c);
    const identity = await deps.store.getIdentityByExternalId(externalId, { withCredentials: true });
    if (!identity) throw resourceNotFound();
    return c.json(adminJson(identity, includeCredential));
  });

  app.get('/admin/identities/:id', async (c) => {
    const includeCredential = includedCredentialTypes(c);
    const identity = await deps.store.getIdentity(c.req.param('id'), { withCredentials: true });
    if (!identity) throw resourceNotFound();
    return c.json(adminJson(identity, includeCredential));
  });

  app.put('/admin/identities/:id', async (c) => {
    const { value } = await readBody(c, deps.config.tessera.limits.max_body_size, ['json']);
    const current = await deps.store.getIdentity(c.req.param('id'), { withCredentials: true });
    if (!current) throw resourceNotFound();
    const updated = await identityFromUpdateBody(deps, current, value);
    await writeOrConflict(() => deps.store.updateIdentity(withoutUnchangedCredentials(current, updated)));
    return c.json(adminJson(updated));
  });

  app.patch('/admin/identities/:id', async (c) => {
    // Kratos reads the patch whatever the content type says.
    const text = await readLimitedText(c, deps.config.tessera.limits.max_body_size);
    const current = await deps.store.getIdentity(c.req.param('id'), { withCredentials: true });
    if (!current) throw resourceNotFound();
    let patch: unknown;
    try {
      patch = parseJson(text);
    } catch {
      throw new KratosError(400, { reason: 'failed to unmarshal JSON patch', message: text.trim() === '' ? 'unexpected end of JSON input' : 'invalid JSON' });
    }
    const updated = await identityFromPatch(deps, current, patch, schemaUrlOf(deps, current.schemaId));
    await writeOrConflict(() => deps.store.updateIdentity(withoutUnchangedCredentials(current, updated)));
    return c.json(adminJson(updated));
  });

  app.delete('/admin/identities/:id', async (c) => {
    if (!(await deps.store.deleteIdentity(c.req.param('id')))) throw resourceNotFound();
    return c.body(null, 204);
  });

  app.delete('/admin/identities/:id/credentials/:type', async (c) => {
    const identity = await deps.store.getIdentity(c.req.param('id'), { withCredentials: true });
    if (!identity) throw resourceNotFound();
    const type = c.req.param('type');
    const credentials = identity.credentials ?? [];
    const existing = credentials.find((credential) => credential.type === type);
    if (!existing) throw notFound(`You tried to remove a ${type} but this user has no ${type} set up.`);
    if (type === 'oidc') {
      const identifier = c.req.query('identifier');
      if (!identifier) throw badRequest('The identifier query parameter is required to remove an oidc credential.');
      if (!existing.identifiers.includes(identifier)) throw notFound(`The identity has no oidc credential with the identifier "${identifier}".`);
      const providers = Array.isArray(existing.config.providers) ? (existing.config.providers as Array<Record<string, unknown>>) : [];
      const remaining = existing.identifiers.filter((i) => i !== identifier);
      identity.credentials = remaining.length
        ? credentials.map((credential) =>
            credential === existing ? { ...existing, identifiers: remaining, config: { ...existing.config, providers: providers.filter((p) => `${String(p.provider)}:${String(p.subject)}` !== identifier) } } : credential,
          )
        : credentials.filter((credential) => credential !== existing);
    } else {
      identity.credentials = credentials.filter((credential) => credential !== existing);
    }
    identity.updatedAt = deps.now();
    await deps.store.updateIdentity(identity);
    return c.body(null, 204);
  });

  return app;
}

function includedCredentialTypes(c: Context<AppEnv>): string[] {
  const values = c.req.queries('include_credential') ?? [];
  for (const value of values) {
    if (!KRATOS_CREDENTIAL_TYPES.has(value)) throw badRequest(`Invalid value \`${value}\` for parameter \`include_credential\`.`);
  }
  return values;
}

/** Runs a write and turns a unique conflict into Kratos's 409. */
/**
 * The identity to write with the credentials left out when the update did not change them: the store then leaves
 * them as they are, so an upstream account linked meanwhile (Store.addOidcProviderLink, from a concurrent
 * sign-in) is not undone by an admin who only changed traits or state.
 */
function withoutUnchangedCredentials(current: Identity, updated: Identity): Identity {
  const canonical = (credentials: readonly Credential[] | undefined): unknown =>
    (credentials ?? []).map((c) => ({ type: c.type, identifiers: [...c.identifiers].sort(), config: c.config, version: c.version })).sort((a, b) => a.type.localeCompare(b.type));
  if (!isDeepStrictEqual(canonical(current.credentials), canonical(updated.credentials))) return updated;
  const { credentials: _unchanged, ...rest } = updated;
  return rest;
}

async function writeOrConflict(write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (error instanceof DuplicateCredentialIdentifierError || error instanceof DuplicateExternalIdError || error instanceof DuplicateIdError) throw conflict(IDENTITY_CONFLICT);
    throw error;
  }
}
