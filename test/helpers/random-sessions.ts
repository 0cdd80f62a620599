import fc from 'fast-check';

/**
 * Whoami-shaped sessions (kratos.md §2.4/2.5) with varied contents: unicode and escapes in traits, numbers of every
 * magnitude in metadata, optional external_id, roles of every JSON type. Seeded, so a failure reproduces.
 */
const isoDate = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
const text = fc.oneof(fc.string({ maxLength: 24 }), fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('', 'é', '"quoted"\n\\', '</script>', '\u0000\u001f', '😀👍🏽', 'Ω≈ç√'));
const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -1, 0.1, 1e21, 2 ** 53 + 2, 1.7976931348623157e308, 5e-324));
const jsonLeaf = fc.oneof(text, number, fc.boolean(), fc.constant(null));
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, jsonLeaf, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 3 })),
})).value;

const role = fc.oneof(fc.constantFrom('admin', 'editor', 'anon', 'authenticated'), jsonLeaf);
const metadataPublic = fc.oneof(
  fc.constant(null),
  fc.record({ role }, { requiredKeys: [] }),
  fc.record({ role, roles: fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }), extra: jsonValue }, { requiredKeys: [] }),
);

const identity = fc.record(
  {
    id: fc.uuid(),
    external_id: fc.string({ minLength: 1, maxLength: 12 }),
    schema_id: fc.constantFrom('default', 'customer'),
    schema_url: fc.constant('http://localhost:4433/schemas/ZGVmYXVsdA'),
    state: fc.constantFrom('active', 'inactive'),
    traits: fc.record({ email: fc.oneof(fc.emailAddress(), text), name: text, age: number }, { requiredKeys: ['email'] }),
    verifiable_addresses: fc.array(fc.record({ id: fc.uuid(), value: fc.emailAddress(), verified: fc.boolean(), via: fc.constant('email'), status: fc.constantFrom('pending', 'completed') }), { maxLength: 2 }),
    metadata_public: metadataPublic,
    created_at: isoDate,
    updated_at: isoDate,
    organization_id: fc.constant(null),
  },
  { requiredKeys: ['id', 'schema_id', 'schema_url', 'state', 'traits', 'metadata_public', 'created_at', 'updated_at', 'organization_id'] },
);

export const sessionArbitrary = fc.record({
  id: fc.uuid(),
  active: fc.boolean(),
  expires_at: isoDate,
  authenticated_at: isoDate,
  authenticator_assurance_level: fc.constantFrom('aal1', 'aal2'),
  authentication_methods: fc.array(fc.record({ method: fc.constantFrom('password', 'oidc'), aal: fc.constant('aal1'), completed_at: isoDate }), { minLength: 1, maxLength: 2 }),
  issued_at: isoDate,
  identity,
  devices: fc.constant([]),
});

export type RandomSession = Record<string, unknown> & { id: string; identity: { id: string; traits: Record<string, unknown>; metadata_public: unknown } };

export function randomSessions(count: number, seed: number): RandomSession[] {
  return fc.sample(sessionArbitrary, { numRuns: count, seed }) as RandomSession[];
}

/** Default claims as the tokenizer builds them (kratos.md §1.1 step 5), for a given session. */
export function defaultClaims(session: RandomSession, nowSeconds: number): Record<string, unknown> {
  return { jti: crypto.randomUUID(), iss: 'http://localhost:4433/', exp: nowSeconds + 300, sid: session.id, nbf: nowSeconds, iat: nowSeconds, sub: session.identity.id };
}
