import { randomUUID } from 'node:crypto';
import type { Credential, Identity } from '../../src/identity/identity.js';
import type { Flow } from '../../src/selfservice/flow.js';
import type { NewSession } from '../../src/session/session.js';

/** Records for store tests: unique ids and identifiers every call, so tests can share a database. */

export function aPasswordCredential(identifiers: string[], at = new Date()): Credential {
  return { type: 'password', identifiers, config: { hashed_password: `$argon2id$v=19$m=1024,t=1,p=1$${randomUUID()}` }, version: 0, createdAt: at, updatedAt: at };
}

export function anIdentity(overrides: Partial<Identity> = {}): Identity {
  const at = new Date();
  const email = `${randomUUID()}@example.org`;
  return {
    id: randomUUID(),
    schemaId: 'default',
    state: 'active',
    stateChangedAt: at,
    traits: { email, name: { first: 'Ada', last: 'Lovelace' }, tags: ['a', 'b'], age: 36, newsletter: false },
    metadataPublic: { plan: 'free' },
    metadataAdmin: null,
    externalId: null,
    verifiableAddresses: [{ id: randomUUID(), value: email, verified: false, via: 'email', status: 'pending', verifiedAt: null, createdAt: at, updatedAt: at }],
    recoveryAddresses: [{ id: randomUUID(), value: email, via: 'email', createdAt: at, updatedAt: at }],
    loginsCount: 0,
    lastLoginAt: null,
    createdAt: at,
    updatedAt: at,
    credentials: [aPasswordCredential([email], at)],
    ...overrides,
  };
}

/** The identity's first password identifier (the fixtures always have one). */
export function identifierOf(identity: Identity): string {
  const identifier = identity.credentials?.[0]?.identifiers[0];
  if (!identifier) throw new Error('the identity has no identifier');
  return identifier;
}

export function aSession(identityId: string, overrides: Partial<NewSession> = {}): NewSession {
  const at = new Date();
  return {
    id: randomUUID(),
    identityId,
    tokenHash: `token-${randomUUID()}`,
    logoutTokenHash: `logout-${randomUUID()}`,
    active: true,
    expiresAt: new Date(at.getTime() + 3_600_000),
    authenticatedAt: at,
    issuedAt: at,
    aal: 'aal1',
    authenticationMethods: [{ method: 'password', aal: 'aal1', completed_at: at.toISOString() }],
    devices: [{ id: randomUUID(), ip_address: '192.0.2.1', user_agent: 'contract-test', location: '' }],
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export function aFlow(overrides: Partial<Flow> = {}): Flow {
  const at = new Date();
  const id = randomUUID();
  return {
    id,
    kind: 'login',
    type: 'api',
    expiresAt: new Date(at.getTime() + 600_000),
    issuedAt: at,
    requestUrl: 'http://localhost:4433/self-service/login/api',
    returnTo: null,
    active: null,
    state: 'choose_method',
    ui: { action: `http://localhost:4433/self-service/login?flow=${id}`, method: 'POST', nodes: [{ type: 'input', group: 'default', attributes: { name: 'csrf_token', type: 'hidden', value: '', disabled: false, node_type: 'input' }, messages: [], meta: {} }] },
    internalContext: { csrf: randomUUID() },
    refresh: false,
    requestedAal: 'aal1',
    identitySchema: null,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** An identity as the store returns it without credentials. */
export function withoutCredentials(identity: Identity): Identity {
  const { credentials: _credentials, ...rest } = identity;
  return rest;
}
