// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tempDir, testConfig } from '../helpers/config.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { fileUrl, payloadOf, seedSession, whoami, writeKeyFile } from '../helpers/tokenizer.js';

/**
 * Admin changes reach the very next tokenization: no cache may hand out a token for a revoked session, a
 * disabled identity, or claims computed from traits that have since changed.
 */
describe('tokenization after admin changes', () => {
  let server: TestServer;
  before(async () => {
    const dir = tempDir();
    const jwks = fileUrl(await writeKeyFile(dir));
    server = await startTestServer(
      testConfig({ session: { whoami: { tokenizer: { templates: { postgrest: { jwks_url: jwks, claims_mapper_url: fileUrl(`${process.cwd()}/templates/postgrest.jsonnet`) } } } } } }, dir),
    );
  });
  after(() => server.close());

  it('refuses a session revoked through the admin API on the next tokenize call', async () => {
    const seeded = await seedSession(server.runtime.deps);
    assert.equal((await whoami(server.publicUrl, seeded.token, 'postgrest')).status, 200);
    await server.identities.disableSession({ id: seeded.sessionId });
    const refused = await whoami(server.publicUrl, seeded.token, 'postgrest');
    assert.equal(refused.status, 401);
  });

  it('refuses the sessions of an identity set to inactive, and serves it again once active', async () => {
    const seeded = await seedSession(server.runtime.deps);
    assert.equal((await whoami(server.publicUrl, seeded.token, 'postgrest')).status, 200);
    await server.identities.patchIdentity({ id: seeded.identityId, jsonPatch: [{ op: 'replace', path: '/state', value: 'inactive' }] });
    assert.equal((await whoami(server.publicUrl, seeded.token, 'postgrest')).status, 401);
    assert.equal((await whoami(server.publicUrl, seeded.token)).status, 401);
    await server.identities.patchIdentity({ id: seeded.identityId, jsonPatch: [{ op: 'replace', path: '/state', value: 'active' }] });
    assert.equal((await whoami(server.publicUrl, seeded.token, 'postgrest')).status, 200);
  });

  it('reflects changed metadata and traits in the very next token', async () => {
    const seeded = await seedSession(server.runtime.deps, { traits: { email: 'before@example.org' } });
    const first = payloadOf(String((await whoami(server.publicUrl, seeded.token, 'postgrest')).body.tokenized));
    assert.equal(first.role, 'authenticated');
    assert.equal(first.email, 'before@example.org');
    await server.identities.patchIdentity({
      id: seeded.identityId,
      jsonPatch: [
        { op: 'replace', path: '/metadata_public', value: { role: 'editor' } },
        { op: 'replace', path: '/traits/email', value: 'after@example.org' },
      ],
    });
    const second = payloadOf(String((await whoami(server.publicUrl, seeded.token, 'postgrest')).body.tokenized));
    assert.equal(second.role, 'editor');
    assert.equal(second.email, 'after@example.org');
  });
});
