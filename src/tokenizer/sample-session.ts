import type { TokenizerTemplateConfig } from '../config/types.js';
import type { IdentitySchema, TraitField } from '../identity/identity-schemas.js';
import { identityToJson } from '../identity/identity-json.js';
import { newIdentity } from '../identity/new-identity.js';
import { sessionToJson } from '../session/session-json.js';
import type { JsonObject, Session } from '../store/types.js';
import type { TokenSubject } from './token-claims.js';

export interface SampleSession {
  subject: TokenSubject;
  sessionJson: Record<string, unknown>;
}

/**
 * A realistic session to check each template against at start, serialized by the same code as whoami. Every
 * trait of the default schema gets a value, so a mapper reading an optional trait is not rejected; but
 * `metadata_public` is null, as it is for most identities, and `external_id` is only set when the template's
 * subject needs it, because a mapper that cannot cope with those would fail for real users.
 */
export function sampleSession(template: TokenizerTemplateConfig, schema: IdentitySchema, now: Date): SampleSession {
  const identity = newIdentity({
    schema,
    traits: sampleTraits(schema.fields),
    now,
    id: '7458af86-c1d8-401c-978a-8da89133f78b',
    externalId: template.subject_source === 'external_id' ? 'sample-external-id' : null,
  });
  const session: Session = {
    id: '432caf86-c1d8-401c-978a-8da89133f78b',
    identityId: identity.id,
    active: true,
    expiresAt: new Date(now.getTime() + 3_600_000),
    authenticatedAt: now,
    issuedAt: now,
    aal: 'aal1',
    authenticationMethods: [{ method: 'password', aal: 'aal1', completed_at: now.toISOString() }],
    devices: [{ id: 'b1c5a3c4-0c39-4b4f-9d7c-6c3d2b7f5e10', ip_address: '192.0.2.1', user_agent: 'tessera start-up check', location: '' }],
    createdAt: now,
    updatedAt: now,
  };
  return {
    subject: { sessionId: session.id, identityId: identity.id, externalId: identity.externalId },
    sessionJson: sessionToJson(session, identityToJson(identity, { schemaUrl: schema.url }), now, identity.state),
  };
}

function sampleTraits(fields: TraitField[]): JsonObject {
  const traits: JsonObject = {};
  for (const field of fields) {
    const segments = field.path.split('.');
    let node = traits;
    for (const segment of segments.slice(0, -1)) node = (node[segment] ??= {}) as JsonObject;
    node[segments[segments.length - 1] as string] = sampleValue(field);
  }
  return traits;
}

function sampleValue(field: TraitField): unknown {
  switch (field.type) {
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return {};
    default:
      return SAMPLE_STRINGS[field.format ?? ''] ?? 'sample';
  }
}

const SAMPLE_STRINGS: Record<string, string> = {
  email: 'sample@example.org',
  tel: '+15550100100',
  uri: 'https://example.org/',
  date: '2023-02-01',
  'date-time': '2023-02-01T00:00:00Z',
  time: '00:00:00Z',
};
