import fc from 'fast-check';
import type { Hono } from 'hono';
import type { AppEnv } from '../../src/http/app-env.js';
import { deepJson, hostileString, hostileValue } from './arbitraries.js';
import { OIDC_ENDPOINT_HINTS, oidcSubmitBody, type OidcPools } from './oidc-hints.js';

/**
 * The endpoints the hostile-input suite attacks. They are discovered from the apps' route tables, so a new
 * endpoint is fuzzed with generic inputs the moment it is registered. The hints below make the inputs sharper
 * (the query parameters an endpoint reads, the body it expects); to extend the suite for a new endpoint, add an
 * entry keyed by `METHOD path` exactly as Hono lists it.
 */
export type AppName = 'public' | 'admin';

export interface Endpoint {
  app: AppName;
  method: string;
  /** Hono's path template: `:name` parameters and `*` wildcards. */
  path: string;
}

/** Real ids and tokens the generators mix in, so that requests reach past the "not found" checks. */
export interface Pools extends OidcPools {
  loginFlowIds: string[];
  registrationFlowIds: string[];
  identityIds: string[];
  sessionIds: string[];
  sessionTokens: string[];
  schemaIds: string[];
  /** Registered identifiers and their password, so that some logins succeed and some registrations collide. */
  identifiers: string[];
  password: string;
  /** `tessera.users_api.api_key` of the app under test ('' when the users API is off). */
  usersApiKey: string;
}

/** The pools that are lists of real values. */
export type PoolName = { [K in keyof Pools]: Pools[K] extends string[] ? K : never }[keyof Pools];

export interface EndpointHints {
  /** Query parameters the endpoint reads; each is sent with hostile or pooled values. */
  query?: readonly string[];
  /**
   * Values aimed at one query parameter, mixed with hostile ones: edges of its parsing (a number's, a boolean's
   * spellings) or real values from the pools (a pending sign-in's state, an exchange code).
   */
  queryValues?: (pools: Pools) => Readonly<Record<string, fc.Arbitrary<string>>>;
  /** The bearer key an admin-port endpoint checks instead of the admin API key (sent valid most of the time). */
  bearer?: (pools: Pools) => string;
  /** Query parameters that take a real flow id of this kind some of the time. */
  flowParam?: { name: string; kind: 'login' | 'registration' };
  /** Where path parameters take real values some of the time. */
  pathParamPool?: PoolName;
  /** A query that gets far (fresh each call): the injection sweep replaces one parameter at a time. */
  validQuery?: (pools: Pools) => Record<string, string> | Promise<Record<string, string>>;
  /** The body the endpoint expects, with hostile leaves. */
  body?: (pools: Pools) => fc.Arbitrary<unknown>;
  /** A body that succeeds (fresh each call): the injection sweep replaces one leaf at a time. */
  validBody?: (pools: Pools) => Record<string, unknown> | unknown[];
}

let unique = 0;
/** An address no other request has used. */
export function uniqueEmail(): string {
  return `user-${process.pid}-${++unique}@example.org`;
}

/** Mostly well-formed with hostile values (to get deep into the flow), sometimes any subset of the members. */
const shaped = (members: Record<string, fc.Arbitrary<unknown>>, required: string[]): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 3, arbitrary: fc.record(members, { requiredKeys: required }) }, { weight: 1, arbitrary: fc.record(members, { requiredKeys: [] }) });

const loginBody = (pools: Pools): fc.Arbitrary<unknown> =>
  shaped(
    {
      method: fc.oneof({ weight: 4, arbitrary: fc.constant('password') }, { weight: 1, arbitrary: hostileValue }),
      identifier: fc.oneof(fc.constantFrom(...pools.identifiers), hostileValue),
      password_identifier: hostileValue,
      password: fc.oneof(fc.constant(pools.password), hostileValue),
      csrf_token: hostileValue,
      transient_payload: hostileValue,
    },
    ['method', 'identifier', 'password'],
  );

const registrationBody = (pools: Pools): fc.Arbitrary<unknown> =>
  shaped(
    {
      method: fc.oneof({ weight: 4, arbitrary: fc.constant('password') }, { weight: 1, arbitrary: hostileValue }),
      password: fc.oneof(fc.constant(pools.password), hostileValue),
      traits: fc.oneof(
        { weight: 3, arbitrary: fc.record({ email: fc.oneof(fc.constantFrom(...pools.identifiers), fc.emailAddress(), hostileValue), name: hostileString }, { requiredKeys: ['email'] }) },
        { weight: 1, arbitrary: fc.dictionary(hostileString, hostileValue, { maxKeys: 4 }) },
        { weight: 1, arbitrary: hostileValue },
      ),
      csrf_token: hostileValue,
      transient_payload: hostileValue,
    },
    ['method', 'password', 'traits'],
  );

const logoutBody = (pools: Pools): fc.Arbitrary<unknown> =>
  fc.record({ session_token: fc.oneof(fc.constantFrom(...pools.sessionTokens), hostileValue) }, { requiredKeys: [] });

// One extra, unknown member: Kratos decodes admin bodies strictly.
const hostileKey = 'unexpected_member';

const createIdentityBody = (): fc.Arbitrary<unknown> =>
  fc.record(
    {
      schema_id: fc.oneof(fc.constant('default'), hostileValue),
      traits: fc.oneof(fc.record({ email: fc.oneof(fc.emailAddress(), hostileValue), name: hostileValue }, { requiredKeys: [] }), hostileValue),
      state: fc.oneof(fc.constantFrom('active', 'inactive'), hostileValue),
      metadata_public: hostileValue,
      metadata_admin: hostileValue,
      external_id: hostileValue,
      organization_id: hostileValue,
      credentials: fc.oneof(
        fc.record({ password: fc.record({ config: fc.record({ password: hostileValue, hashed_password: fc.oneof(hostileValue, fc.constantFrom('$2a$10$abc', '$argon2id$v=19$m=1,t=1,p=1$YQ$YQ', '$argon2id$')) }, { requiredKeys: [] }) }) }),
        fc.dictionary(hostileString, hostileValue, { maxKeys: 2 }),
        hostileValue,
      ),
      verifiable_addresses: fc.oneof(fc.array(fc.record({ value: hostileValue, via: fc.oneof(fc.constant('email'), hostileValue), verified: hostileValue, status: hostileValue })), hostileValue),
      recovery_addresses: fc.oneof(fc.array(fc.record({ value: hostileValue, via: hostileValue })), hostileValue),
      [hostileKey]: hostileValue,
    },
    { requiredKeys: [] },
  );

export const ENDPOINT_HINTS: Record<string, EndpointHints> = {
  'GET /self-service/login/api': { query: ['refresh', 'aal', 'return_to', 'return_session_token_exchange_code', 'organization', 'via', 'identity_schema'] },
  'GET /self-service/registration/api': { query: ['return_to', 'return_session_token_exchange_code', 'organization', 'identity_schema'] },
  'GET /self-service/login/flows': { flowParam: { name: 'id', kind: 'login' } },
  'GET /self-service/registration/flows': { flowParam: { name: 'id', kind: 'registration' } },
  'POST /self-service/login': {
    flowParam: { name: 'flow', kind: 'login' },
    body: (pools) => fc.oneof({ weight: 2, arbitrary: loginBody(pools) }, { weight: 1, arbitrary: oidcSubmitBody(pools, 'login') }),
    validBody: (pools) => ({ method: 'password', identifier: pools.identifiers[0], password: pools.password }),
  },
  'POST /self-service/registration': {
    flowParam: { name: 'flow', kind: 'registration' },
    body: (pools) => fc.oneof({ weight: 2, arbitrary: registrationBody(pools) }, { weight: 1, arbitrary: oidcSubmitBody(pools, 'registration') }),
    validBody: (pools) => ({ method: 'password', password: pools.password, traits: { email: uniqueEmail(), name: 'Ada' } }),
  },
  'DELETE /self-service/logout/api': { body: logoutBody, validBody: () => ({ session_token: 'ory_st_0000000000000000000000000000000000000000000' }) },
  'GET /sessions/whoami': { query: ['tokenize_as'] },
  'GET /session/whoami': { query: ['tokenize_as'] },
  'GET /schemas': { query: ['page', 'per_page', 'page_size', 'page_token'] },
  'GET /schemas/:id': { pathParamPool: 'schemaIds' },
  'POST /admin/identities': {
    body: createIdentityBody,
    validBody: () => ({ schema_id: 'default', traits: { email: uniqueEmail(), name: 'Ada' }, state: 'active', metadata_public: { plan: 'free' }, external_id: uniqueEmail(), credentials: { password: { config: { password: 'imported passphrase 1' } } } }),
  },
  'GET /admin/identities': { query: ['page_size', 'per_page', 'page', 'page_token', 'credentials_identifier', 'preview_credentials_identifier_similar', 'ids', 'organization_id', 'include_credential'] },
  'GET /admin/identities/:id': { pathParamPool: 'identityIds', query: ['include_credential'] },
  'DELETE /admin/identities/:id': { pathParamPool: 'identityIds' },

  // Routes of other branches (browser, UI, admin sessions, identity updates); inert until they exist here.
  'GET /self-service/login/browser': { query: ['refresh', 'aal', 'return_to', 'login_challenge', 'organization', 'via'] },
  'GET /self-service/registration/browser': { query: ['return_to', 'login_challenge', 'organization'] },
  'GET /self-service/logout/browser': { query: ['return_to'] },
  'GET /self-service/logout': { query: ['token', 'return_to'] },
  'GET /ui/login': { flowParam: { name: 'flow', kind: 'login' } },
  'GET /ui/registration': { flowParam: { name: 'flow', kind: 'registration' } },
  'GET /ui/error': { query: ['id'] },
  'PUT /admin/identities/:id': {
    pathParamPool: 'identityIds',
    body: () => createIdentityBody(),
    validBody: () => ({ schema_id: 'default', traits: { email: uniqueEmail(), name: 'Ada' }, state: 'active', metadata_public: { plan: 'pro' } }),
  },
  'PATCH /admin/identities/:id': {
    pathParamPool: 'identityIds',
    body: () => jsonPatch,
    validBody: () => [{ op: 'replace', path: '/traits/name', value: 'Grace' }],
  },
  'DELETE /admin/identities/:id/credentials/:type': { pathParamPool: 'identityIds' },
  'GET /admin/identities/:id/sessions': { pathParamPool: 'identityIds', query: ['active', 'page', 'per_page', 'page_size', 'page_token'] },
  'DELETE /admin/identities/:id/sessions': { pathParamPool: 'identityIds' },
  'GET /admin/sessions': { query: ['page_size', 'page_token', 'active', 'expand'] },
  'GET /admin/sessions/:id': { pathParamPool: 'sessionIds', query: ['expand'] },
  'DELETE /admin/sessions/:id': { pathParamPool: 'sessionIds' },
  'PATCH /admin/sessions/:id/extend': { pathParamPool: 'sessionIds' },

  // --- The Auth0-style users API (src/http/routes/auth0-users.ts) ------------------------------------------------
  // Its own key (tessera.users_api.api_key), offset paging that auth0_fdw drives with page/per_page/include_totals,
  // and the Management API parameters Tessera does not implement, which must be ignored, never half-applied.
  'GET /api/v2/users': {
    query: ['page', 'per_page', 'include_totals', 'q', 'search_engine', 'sort', 'fields', 'include_fields', 'connection'],
    queryValues: () => ({
      page: fc.constantFrom('0', '1', '2', '999999999', '1000000000', '-1', '+1', '01', '1e3', '0x10', ' 1', '1.5', 'NaN', 'Infinity', '9007199254740993', ''),
      per_page: fc.constantFrom('0', '1', '50', '100', '101', '999999999', '-50', '5e1', ' 50', '50 ', '', '1'.repeat(400)),
      include_totals: fc.constantFrom('true', 'TRUE', 'True', '1', 'yes', 'false', '', 'true,true'),
      q: fc.constantFrom('email:"a@example.org"', 'user_id:*', '*:*', 'email:"\u0000"', "identities.connection:'x' OR 1=1"),
      sort: fc.constantFrom('created_at:1', 'created_at:-1', 'email:1', 'user_id:2', ':'),
      fields: fc.constantFrom('user_id,email', 'password,hashed_password', '__proto__', ''),
    }),
    bearer: (pools) => pools.usersApiKey,
  },

  // Upstream sign-in (OIDC) callbacks and the session token exchange (oidc-hints.ts; provider submits are above).
  ...OIDC_ENDPOINT_HINTS,
};

/** RFC 6902 patches with hostile operations, paths (denied ones included) and values. */
const jsonPatch: fc.Arbitrary<unknown> = fc.oneof(
  fc.array(
    fc.record(
      {
        op: fc.oneof(fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test'), hostileString),
        path: fc.oneof(fc.constantFrom('/traits/email', '/traits/name', '/id', '/credentials', '/credentials/password', '/state', '/metadata_public', '/schema_id', '/__proto__/polluted', '/traits/-'), hostileString),
        from: fc.oneof(fc.constantFrom('/traits/email', '/id'), hostileString),
        value: hostileValue,
      },
      { requiredKeys: ['op', 'path'] },
    ),
    { maxLength: 4 },
  ),
  hostileValue,
);

/** Body arbitrary for endpoints without hints: anything JSON-ish, deep nesting included. */
export const genericBody: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue({ maxDepth: 4 }), hostileValue, deepJson, fc.dictionary(hostileString, hostileValue, { maxKeys: 5 }));

/** Every route of an app except middleware (registered by `use` as `ALL /*`). */
export function endpointsOf(app: Hono<AppEnv>, name: AppName): Endpoint[] {
  const seen = new Set<string>();
  const endpoints: Endpoint[] = [];
  for (const route of app.routes) {
    if (route.method === 'ALL' && route.path === '/*') continue;
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    endpoints.push({ app: name, method: route.method, path: route.path });
  }
  return endpoints;
}

export function hintsFor(endpoint: Endpoint): EndpointHints {
  return ENDPOINT_HINTS[`${endpoint.method} ${endpoint.path}`] ?? {};
}
