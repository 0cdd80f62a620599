// test-stores: none
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClaimsMapper } from '../../../src/tokenizer/mapper/create-claims-mapper.js';
import type { PooledClaimsMapper } from '../../../src/tokenizer/mapper/pooled-claims-mapper.js';
import { fixtureTemplate, testMapperOptions } from '../../helpers/mapper-templates.js';

const templates = [fixtureTemplate('postgrest.jsonnet', 'postgrest'), fixtureTemplate('kratos-test.jsonnet', 'kratos-test'), fixtureTemplate('branching.jsonnet', 'branching')];

function sessionOf(i: number, overrides: { email?: string; role?: unknown; state?: string } = {}): Record<string, unknown> {
  return {
    id: `session-${i}`,
    active: true,
    authenticator_assurance_level: 'aal1',
    authentication_methods: [{ method: 'password', aal: 'aal1' }],
    identity: {
      id: `identity-${i}`,
      schema_id: 'default',
      state: overrides.state ?? 'active',
      traits: { email: overrides.email ?? `user${i}@example.org`, name: `User ${i}` },
      metadata_public: overrides.role === undefined ? null : { role: overrides.role },
    },
  };
}
const claimsAt = (exp: number): Record<string, unknown> => ({ jti: `jti-${exp}`, iss: 'http://localhost:4433/', exp, sid: 's', nbf: exp - 300, iat: exp - 300, sub: 'u' });

describe('memoization is sound and bounded', () => {
  let engine: PooledClaimsMapper;
  before(async () => {
    engine = (await createClaimsMapper(templates, testMapperOptions({ workers: 1, cacheMaxEntries: 50 }))) as PooledClaimsMapper;
  });
  after(async () => {
    await engine.close();
  });

  it('reflects a changed identity (traits, metadata) on the very next call', async () => {
    const before = engine.cachedEntries;
    assert.deepEqual(await engine.map('postgrest', sessionOf(1, { role: 'admin' }), claimsAt(1000)), { email: 'user1@example.org', role: 'admin' });
    assert.deepEqual(await engine.map('postgrest', sessionOf(1, { role: 'admin' }), claimsAt(1001)), { email: 'user1@example.org', role: 'admin' });
    assert.equal(engine.cachedEntries, before + 1, 'the second call is answered from the cache');
    assert.deepEqual(await engine.map('postgrest', sessionOf(1, { role: 'editor' }), claimsAt(1002)), { email: 'user1@example.org', role: 'editor' });
    assert.deepEqual(await engine.map('postgrest', sessionOf(1, { role: 'editor', email: 'new@example.org' }), claimsAt(1003)), { email: 'new@example.org', role: 'editor' });
    assert.deepEqual(await engine.map('postgrest', sessionOf(1, { role: 7 }), claimsAt(1004)), { email: 'user1@example.org', role: 'authenticated' });
  });

  it('never caches an evaluation that read claims: claims.exp is fresh on every call', async () => {
    const before = engine.cachedEntries;
    for (const exp of [2000, 2001, 2002]) {
      const mapped = await engine.map('kratos-test', sessionOf(2), claimsAt(exp));
      assert.equal(mapped.second_claim, exp);
    }
    assert.equal(engine.cachedEntries, before);
  });

  it('decides per evaluation: a mapper reading claims on one branch only is cached on the other', async () => {
    const before = engine.cachedEntries;
    // Inactive identities take the branch that does not read claims: cached, and still right.
    assert.equal((await engine.map('branching', sessionOf(3, { state: 'inactive' }), claimsAt(3000))).echo_exp, undefined);
    assert.equal(engine.cachedEntries, before + 1);
    // Active identities read claims.exp: not cached, and the value follows the claims.
    assert.equal((await engine.map('branching', sessionOf(3), claimsAt(3001))).echo_exp, 3001);
    assert.equal((await engine.map('branching', sessionOf(3), claimsAt(3002))).echo_exp, 3002);
    assert.equal(engine.cachedEntries, before + 1);
  });

  it('answers a burst for one session identically, with one cache entry', async () => {
    const before = engine.cachedEntries;
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => engine.map('postgrest', sessionOf(4, { role: 'burst' }), claimsAt(4000 + i))));
    for (const answer of answers) assert.deepEqual(answer, { email: 'user4@example.org', role: 'burst' });
    assert.equal(engine.cachedEntries, before + 1);
  });

  it('keeps the cache within its bound, and hands out copies that callers may change', async () => {
    for (let i = 100; i < 300; i++) {
      const mapped = await engine.map('postgrest', sessionOf(i), claimsAt(5000));
      assert.equal(mapped.email, `user${i}@example.org`);
      mapped.email = 'mutated by the caller';
    }
    assert.equal(engine.cachedEntries, 50);
    assert.equal((await engine.map('postgrest', sessionOf(299), claimsAt(5001))).email, 'user299@example.org');
  });
});

describe('with the cache disabled', () => {
  it('evaluates every call and caches nothing', async () => {
    const engine = (await createClaimsMapper(templates, testMapperOptions({ workers: 1, cacheMaxEntries: 0 }))) as PooledClaimsMapper;
    try {
      assert.deepEqual(await engine.map('postgrest', sessionOf(1, { role: 'admin' }), claimsAt(1)), { email: 'user1@example.org', role: 'admin' });
      assert.equal((await engine.map('kratos-test', sessionOf(1), claimsAt(77))).second_claim, 77);
      assert.equal(engine.cachedEntries, 0);
    } finally {
      await engine.close();
    }
  });
});
