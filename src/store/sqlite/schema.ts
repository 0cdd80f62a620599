import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { StoredRecoveryAddress, StoredVerifiableAddress } from '../row-shapes.js';
import type { AuthenticationMethod, JsonObject, SessionDevice } from '../types.js';

// Times are epoch milliseconds; JSON columns hold text. Addresses live on the identity row so that whoami is a
// single indexed join (sessions -> identities).

export const identities = sqliteTable(
  'identities',
  {
    id: text('id').primaryKey(),
    schemaId: text('schema_id').notNull(),
    state: text('state', { enum: ['active', 'inactive'] }).notNull(),
    stateChangedAt: integer('state_changed_at', { mode: 'timestamp_ms' }),
    traits: text('traits', { mode: 'json' }).$type<JsonObject>().notNull(),
    metadataPublic: text('metadata_public', { mode: 'json' }).$type<unknown>(),
    metadataAdmin: text('metadata_admin', { mode: 'json' }).$type<unknown>(),
    externalId: text('external_id'),
    verifiableAddresses: text('verifiable_addresses', { mode: 'json' }).$type<StoredVerifiableAddress[]>().notNull().default(sql`'[]'`),
    recoveryAddresses: text('recovery_addresses', { mode: 'json' }).$type<StoredRecoveryAddress[]>().notNull().default(sql`'[]'`),
    loginsCount: integer('logins_count').notNull().default(0),
    lastLoginAt: integer('last_login_at', { mode: 'timestamp_ms' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('identities_external_id_idx').on(t.externalId), index('identities_created_at_idx').on(t.createdAt)],
);

export const identityCredentials = sqliteTable(
  'identity_credentials',
  {
    identityId: text('identity_id')
      .notNull()
      .references(() => identities.id, { onDelete: 'cascade' }),
    type: text('type', { enum: ['password', 'oidc'] }).notNull(),
    config: text('config', { mode: 'json' }).$type<JsonObject>().notNull(),
    version: integer('version').notNull().default(0),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.identityId, t.type] })],
);

export const identityCredentialIdentifiers = sqliteTable(
  'identity_credential_identifiers',
  {
    type: text('type', { enum: ['password', 'oidc'] }).notNull(),
    identifier: text('identifier').notNull(),
    identityId: text('identity_id')
      .notNull()
      .references(() => identities.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.type, t.identifier] }), index('identity_credential_identifiers_identity_idx').on(t.identityId)],
);

export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    tokenHash: text('token_hash').notNull(),
    logoutTokenHash: text('logout_token_hash').notNull(),
    identityId: text('identity_id')
      .notNull()
      .references(() => identities.id, { onDelete: 'cascade' }),
    active: integer('active', { mode: 'boolean' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    authenticatedAt: integer('authenticated_at', { mode: 'timestamp_ms' }).notNull(),
    issuedAt: integer('issued_at', { mode: 'timestamp_ms' }).notNull(),
    aal: text('aal', { enum: ['aal0', 'aal1', 'aal2', 'aal3'] }).notNull(),
    authenticationMethods: text('authentication_methods', { mode: 'json' }).$type<AuthenticationMethod[]>().notNull(),
    devices: text('devices', { mode: 'json' }).$type<SessionDevice[]>().notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('sessions_token_hash_idx').on(t.tokenHash),
    uniqueIndex('sessions_logout_token_hash_idx').on(t.logoutTokenHash),
    index('sessions_identity_idx').on(t.identityId),
    // The admin API lists sessions newest first (Kratos's order).
    index('sessions_created_at_idx').on(t.createdAt, t.id),
    // The clean-up deletes expired sessions in batches, oldest first (src/runtime/cleanup.ts).
    index('sessions_expires_at_idx').on(t.expiresAt),
  ],
);

export const selfserviceFlows = sqliteTable(
  'selfservice_flows',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['login', 'registration'] }).notNull(),
    type: text('type', { enum: ['api', 'browser'] }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    issuedAt: integer('issued_at', { mode: 'timestamp_ms' }).notNull(),
    requestUrl: text('request_url').notNull(),
    returnTo: text('return_to'),
    active: text('active'),
    state: text('state').notNull(),
    ui: text('ui', { mode: 'json' }).$type<JsonObject>().notNull(),
    internalContext: text('internal_context', { mode: 'json' }).$type<JsonObject>().notNull(),
    refresh: integer('refresh', { mode: 'boolean' }).notNull(),
    requestedAal: text('requested_aal', { enum: ['aal0', 'aal1', 'aal2', 'aal3'] }).notNull(),
    identitySchema: text('identity_schema'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('selfservice_flows_expires_at_idx').on(t.expiresAt)],
);

/** Sliding-window rate limiting: one counter per key and fixed bucket; the window spans two buckets. */
export const rateLimitBuckets = sqliteTable(
  'rate_limit_buckets',
  {
    key: text('key').notNull(),
    bucketStart: integer('bucket_start').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.bucketStart] })],
);
