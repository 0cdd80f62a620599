import { randomUUID } from 'node:crypto';
import type { IdentitySchema } from './identity-schemas.js';
import { traitValue } from './identity-schemas.js';
import { normalizeIdentifier } from './normalize-identifier.js';
import type { Credential, Identity, RecoveryAddress, VerifiableAddress } from './identity.js';
import type { JsonObject } from '../json-object.js';

/**
 * What the `ory.sh/kratos` schema extension derives from traits: password identifiers, and the verifiable and
 * recovery addresses. Values are normalized like Kratos does (trim, NFKC, lower case).
 */
export function passwordIdentifiers(schema: IdentitySchema, traits: JsonObject): string[] {
  const identifiers = new Set<string>();
  for (const field of schema.fields) {
    if (!field.extension.credentials?.password?.identifier) continue;
    const value = traitValue(traits, field.path);
    if (typeof value === 'string' && value.trim() !== '') identifiers.add(normalizeIdentifier(value));
  }
  return [...identifiers];
}

/** Builds the address lists, keeping existing entries (and their verification state) for unchanged values. */
export function addressesFor(schema: IdentitySchema, traits: JsonObject, now: Date, existing?: Pick<Identity, 'verifiableAddresses' | 'recoveryAddresses'>): Pick<Identity, 'verifiableAddresses' | 'recoveryAddresses'> {
  const verifiable: VerifiableAddress[] = [];
  const recovery: RecoveryAddress[] = [];
  for (const field of schema.fields) {
    const value = traitValue(traits, field.path);
    if (typeof value !== 'string' || value.trim() === '') continue;
    const normalized = normalizeIdentifier(value);
    const verificationVia = field.extension.verification?.via;
    if (verificationVia && !verifiable.some((a) => a.value === normalized && a.via === verificationVia)) {
      verifiable.push(
        existing?.verifiableAddresses.find((a) => a.value === normalized && a.via === verificationVia) ?? {
          id: randomUUID(),
          value: normalized,
          verified: false,
          via: verificationVia,
          status: 'pending',
          verifiedAt: null,
          createdAt: now,
          updatedAt: now,
        },
      );
    }
    const recoveryVia = field.extension.recovery?.via;
    if (recoveryVia && !recovery.some((a) => a.value === normalized && a.via === recoveryVia)) {
      recovery.push(
        existing?.recoveryAddresses.find((a) => a.value === normalized && a.via === recoveryVia) ?? { id: randomUUID(), value: normalized, via: recoveryVia, createdAt: now, updatedAt: now },
      );
    }
  }
  return { verifiableAddresses: verifiable, recoveryAddresses: recovery };
}

export interface NewIdentityInput {
  schema: IdentitySchema;
  traits: JsonObject;
  now: Date;
  id?: string;
  state?: Identity['state'];
  metadataPublic?: unknown;
  metadataAdmin?: unknown;
  externalId?: string | null;
  credentials?: Credential[];
}

export function newIdentity(input: NewIdentityInput): Identity {
  return {
    id: input.id ?? randomUUID(),
    schemaId: input.schema.id,
    state: input.state ?? 'active',
    stateChangedAt: input.now,
    traits: input.traits,
    metadataPublic: input.metadataPublic ?? null,
    metadataAdmin: input.metadataAdmin ?? null,
    externalId: input.externalId ?? null,
    ...addressesFor(input.schema, input.traits, input.now),
    loginsCount: 0,
    lastLoginAt: null,
    createdAt: input.now,
    updatedAt: input.now,
    credentials: input.credentials ?? [],
  };
}

export function passwordCredential(identifiers: string[], hashedPassword: string, now: Date): Credential {
  return { type: 'password', identifiers, config: { hashed_password: hashedPassword }, version: 0, createdAt: now, updatedAt: now };
}
