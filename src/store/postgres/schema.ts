import { sql } from 'drizzle-orm';
import { bigint, boolean, customType, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { StoredRecoveryAddress, StoredVerifiableAddress } from '../row-shapes.js';
import type { AuthenticationMethod, JsonObject, SessionDevice } from '../types.js';

// Mirrors src/store/sqlite/schema.ts: same tables, columns, keys and indexes, with timestamptz for times and
// jsonb for JSON. Addresses live on the identity row so that whoami is a single indexed join
// (sessions -> identities).

/**
 * Text compared byte by byte. Keys that pages are ordered by (ids) or that are looked up exactly (identifiers,
 * token hashes) use it so that keyset pagination orders rows as SQLite does, whatever the database's default
 * locale, and comparisons skip the locale's collation rules.
 */
const bytewiseText = customType<{ data: string; driverData: string }>({
  dataType: () => 'text COLLATE "C"',
});

const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const identities = pgTable(
  'identities',
  {
    id: bytewiseText('id').primaryKey(),
    schemaId: text('schema_id').notNull(),
    state: text('state', { enum: ['active', 'inactive'] }).notNull(),
    stateChangedAt: instant('state_changed_at'),
    traits: jsonb('traits').$type<JsonObject>().notNull(),
    metadataPublic: jsonb('metadata_public').$type<unknown>(),
    metadataAdmin: jsonb('metadata_admin').$type<unknown>(),
    externalId: text('external_id'),
    verifiableAddresses: jsonb('verifiable_addresses').$type<StoredVerifiableAddress[]>().notNull().default(sql`'[]'::jsonb`),
    recoveryAddresses: jsonb('recovery_addresses').$type<StoredRecoveryAddress[]>().notNull().default(sql`'[]'::jsonb`),
    loginsCount: integer('logins_count').notNull().default(0),
    lastLoginAt: instant('last_login_at'),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [uniqueIndex('identities_external_id_idx').on(t.externalId), index('identities_created_at_idx').on(t.createdAt)],
);

export const identityCredentials = pgTable(
  'identity_credentials',
  {
    identityId: bytewiseText('identity_id')
      .notNull()
      .references(() => identities.id, { onDelete: 'cascade' }),
    type: text('type', { enum: ['password', 'oidc'] }).notNull(),
    config: jsonb('config').$type<JsonObject>().notNull(),
    version: integer('version').notNull().default(0),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.identityId, t.type] })],
);

export const identityCredentialIdentifiers = pgTable(
  'identity_credential_identifiers',
  {
    type: text('type', { enum: ['password', 'oidc'] }).notNull(),
    identifier: bytewiseText('identifier').notNull(),
    identityId: bytewiseText('identity_id')
      .notNull()
      .references(() => identities.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.type, t.identifier] }), index('identity_credential_identifiers_identity_idx').on(t.identityId)],
);

export const sessions = pgTable(
  'sessions',
  {
    id: bytewiseText('id').primaryKey(),
    tokenHash: bytewiseText('token_hash').notNull(),
    logoutTokenHash: bytewiseText('logout_token_hash').notNull(),
    identityId: bytewiseText('identity_id')
      .notNull()
      .references(() => identities.id, { onDelete: 'cascade' }),
    active: boolean('active').notNull(),
    expiresAt: instant('expires_at').notNull(),
    authenticatedAt: instant('authenticated_at').notNull(),
    issuedAt: instant('issued_at').notNull(),
    aal: text('aal', { enum: ['aal0', 'aal1', 'aal2', 'aal3'] }).notNull(),
    authenticationMethods: jsonb('authentication_methods').$type<AuthenticationMethod[]>().notNull(),
    devices: jsonb('devices').$type<SessionDevice[]>().notNull(),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('sessions_token_hash_idx').on(t.tokenHash),
    uniqueIndex('sessions_logout_token_hash_idx').on(t.logoutTokenHash),
    index('sessions_identity_idx').on(t.identityId),
    index('sessions_created_at_idx').on(t.createdAt, t.id),
    index('sessions_expires_at_idx').on(t.expiresAt),
  ],
);

export const selfserviceFlows = pgTable(
  'selfservice_flows',
  {
    id: bytewiseText('id').primaryKey(),
    kind: text('kind', { enum: ['login', 'registration'] }).notNull(),
    type: text('type', { enum: ['api', 'browser'] }).notNull(),
    expiresAt: instant('expires_at').notNull(),
    issuedAt: instant('issued_at').notNull(),
    requestUrl: text('request_url').notNull(),
    returnTo: text('return_to'),
    active: text('active'),
    state: text('state').notNull(),
    ui: jsonb('ui').$type<JsonObject>().notNull(),
    internalContext: jsonb('internal_context').$type<JsonObject>().notNull(),
    refresh: boolean('refresh').notNull(),
    requestedAal: text('requested_aal', { enum: ['aal0', 'aal1', 'aal2', 'aal3'] }).notNull(),
    identitySchema: text('identity_schema'),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [index('selfservice_flows_expires_at_idx').on(t.expiresAt)],
);

/** Sliding-window rate limiting: one counter per key and fixed bucket; the window spans two buckets. */
export const rateLimitBuckets = pgTable(
  'rate_limit_buckets',
  {
    key: text('key').notNull(),
    /** Epoch milliseconds, as in SQLite: the bucket maths is integer arithmetic shared by both stores. */
    bucketStart: bigint('bucket_start', { mode: 'number' }).notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.bucketStart] })],
);
