// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { loginWithPassword } from '../helpers/password-login.js';
import { errorOf, sdkError } from '../helpers/sdk-errors.js';

describe('Kratos admin session API through the official SDK', () => {
  let server: TestServer;
  let identityId: string;
  const sessions: Array<{ token: string; sessionId: string }> = [];
  before(async () => {
    server = await startTestServer();
    const identity = await server.identities.createIdentity({
      createIdentityBody: { schema_id: 'default', traits: { email: 'sessions@example.org' }, metadata_admin: { secret: 'admin only' }, credentials: { password: { config: { password: 'session secret 1' } } } },
    });
    identityId = identity.id;
    for (let i = 0; i < 3; i++) {
      sessions.push(await loginWithPassword(server, 'sessions@example.org', 'session secret 1'));
      // Sessions are ordered by creation time; distinct milliseconds keep the expected order unambiguous.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });
  after(async () => {
    await server.close();
  });

  it("lists an identity's sessions newest first with X-Total-Count and Kratos's page links", async () => {
    const raw = await server.identities.listIdentitySessionsRaw({ id: identityId, perPage: 2 });
    const page = await raw.value();
    assert.equal(raw.raw.headers.get('x-total-count'), '3');
    assert.deepEqual(
      page.map((s) => s.id),
      [sessions[2]?.sessionId, sessions[1]?.sessionId],
    );
    assert.equal(page[0]?.identity?.id, identityId);
    assert.deepEqual(page[0]?.identity?.metadata_admin, { secret: 'admin only' }, 'admin views carry metadata_admin');
    const token = (offset: number): string => Buffer.from(`{"offset":"${offset}","v":2}`).toString('base64url');
    const base = `/admin/identities/${identityId}/sessions`;
    assert.equal(raw.raw.headers.get('link'), `<${base}?page=1&page_size=2&page_token=${token(2)}&per_page=2>; rel="next",<${base}?page=1&page_size=2&page_token=${token(2)}&per_page=2>; rel="last"`);
    const second = await server.identities.listIdentitySessions({ id: identityId, perPage: 2, page: 1 });
    assert.deepEqual(second.map((s) => s.id), [sessions[0]?.sessionId]);
    const bad = await sdkError(server.identities.listIdentitySessions({ id: 'nope' }));
    assert.equal(bad.status, 400);
    assert.equal(errorOf(bad.body).message, 'uuid: incorrect UUID length 4 in string "nope"');
  });

  it('lists all sessions with keyset pagination, a Link header and the expand option', async () => {
    const seen: string[] = [];
    let pageToken: string | undefined;
    for (let round = 0; round < 5; round++) {
      const raw = await server.identities.listSessionsRaw({ pageSize: 2, pageToken, expand: ['identity'] });
      const page = await raw.value();
      seen.push(...page.map((s) => s.id));
      assert.ok(page.every((s) => s.identity?.id === identityId));
      const link = raw.raw.headers.get('link') ?? '';
      assert.match(link, /^<\/admin\/sessions\?expand=identity&page_size=2&page_token=[A-Za-z0-9+/]+>; rel="first"/);
      const next = /,<\/admin\/sessions\?expand=identity&page_size=2&page_token=([A-Za-z0-9%+/]+)>; rel="next"$/.exec(link);
      if (!next) break;
      pageToken = decodeURIComponent(next[1] ?? '');
    }
    assert.deepEqual(seen, [...sessions].reverse().map((s) => s.sessionId), 'newest first, each once');
    const withoutIdentity = await server.identities.listSessions({});
    assert.ok(withoutIdentity.every((s) => s.identity === undefined || s.identity === null), 'identity only when expanded');
    const badExpand = await fetch(`${server.adminUrl}/admin/sessions?expand=everything`);
    assert.equal(badExpand.status, 400);
    assert.equal(errorOf((await badExpand.json()) as Record<string, unknown>).reason, 'Could not parse expand option: everything');
    const badActive = await fetch(`${server.adminUrl}/admin/sessions?active=maybe`);
    assert.equal(errorOf((await badActive.json()) as Record<string, unknown>).message, 'could not parse parameter active');
  });

  it('gets one session, extends it, and revokes it with effect on the very next whoami and tokenize call', async () => {
    const target = sessions[0]!;
    const got = await server.identities.getSession({ id: target.sessionId, expand: ['identity', 'devices'] });
    assert.equal(got.active, true);
    assert.equal(got.identity?.id, identityId);
    assert.equal(got.devices?.length, 1);

    const extended = await server.identities.extendSession({ id: target.sessionId });
    assert.ok(extended, 'Kratos without faster_session_extend answers 200 with the session');
    assert.ok((extended.expires_at?.getTime() ?? 0) >= (got.expires_at?.getTime() ?? 0));

    const whoamiBefore = await server.frontend.toSession({ xSessionToken: target.token });
    assert.equal(whoamiBefore.id, target.sessionId);
    const disabled = await server.identities.disableSessionRaw({ id: target.sessionId });
    assert.equal(disabled.raw.status, 204);
    assert.equal((await sdkError(server.frontend.toSession({ xSessionToken: target.token }))).status, 401);
    const tokenize = await fetch(`${server.publicUrl}/sessions/whoami?tokenize_as=postgrest`, { headers: { 'X-Session-Token': target.token } });
    assert.equal(tokenize.status, 401, 'a revoked session is never tokenized');
    assert.equal((await server.identities.getSession({ id: target.sessionId })).active, false);
    const inactive = await server.identities.listIdentitySessions({ id: identityId, active: false });
    assert.deepEqual(inactive.map((s) => s.id), [target.sessionId]);

    const missing = await sdkError(server.identities.disableSession({ id: '6f8a3c40-4a3e-4e1c-8f0a-3f3f6b6b9c1d' }));
    assert.equal(missing.status, 404);
    assert.equal((await sdkError(server.identities.getSession({ id: '6f8a3c40-4a3e-4e1c-8f0a-3f3f6b6b9c1d' }))).status, 404);
    assert.equal((await sdkError(server.identities.extendSession({ id: '6f8a3c40-4a3e-4e1c-8f0a-3f3f6b6b9c1d' }))).status, 404);
  });

  it("deletes all of an identity's sessions at once, then answers 404 as Kratos does", async () => {
    const still = sessions[1]!;
    assert.equal((await server.frontend.toSession({ xSessionToken: still.token })).id, still.sessionId);
    const raw = await server.identities.deleteIdentitySessionsRaw({ id: identityId });
    assert.equal(raw.raw.status, 204);
    for (const session of sessions) assert.equal((await sdkError(server.frontend.toSession({ xSessionToken: session.token }))).status, 401);
    assert.deepEqual(await server.identities.listIdentitySessions({ id: identityId }), []);
    assert.equal((await sdkError(server.identities.deleteIdentitySessions({ id: identityId }))).status, 404);
  });
});
