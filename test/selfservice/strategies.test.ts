// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Deps } from '../../src/deps.js';
import { completeFlow } from '../../src/selfservice/flow-completion.js';
import { alreadyCompleted } from '../../src/selfservice/flow-lifecycle.js';
import type { Strategy, StrategySubmit } from '../../src/selfservice/strategy/strategy.js';
import { isFormOutcome, openSubmission } from '../../src/selfservice/submission.js';
import type { LoginOutcome } from '../../src/selfservice/submit-outcomes.js';
import { inputNode } from '../../src/selfservice/ui-nodes.js';
import { issueSession } from '../../src/session/issue-session.js';
import { text } from '../../src/text/messages.js';
import { testConfig } from '../helpers/config.js';
import { jsonOf, registerViaApi, uiMessageIds } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The strategy extension point from outside: a method added to the enabled list (as strategies.ts would register
 * it) gets its fields into new flows and its submits through the unchanged routes, and completes flows through the
 * one compare-and-set. The method here signs in whoever names a registered identity's id: a method with no secret,
 * which is fine for a test of the dispatch, never for a product.
 */
function byIdStrategy(): Strategy {
  return {
    id: 'by_id',
    isResponsible: (fields) => fields.method === 'by_id',
    addNodes: (_deps, kind, nodes) => {
      if (kind === 'login') nodes.push(inputNode('default', { name: 'identity_id', type: 'text', required: true }));
    },
    submit: { login: submitById },
  };
}

async function submitById(deps: Deps, { flowId, body, fields, request, rules }: StrategySubmit): Promise<LoginOutcome> {
  const opened = await openSubmission(deps, 'login', flowId, body, request, rules);
  if (isFormOutcome(opened)) return opened;
  const identity = typeof fields.identity_id === 'string' ? await deps.store.getIdentity(fields.identity_id) : null;
  if (!identity) return opened.fail(text.invalidCredentials());
  const now = deps.now();
  const issued = issueSession(identity.id, { method: 'by_id' }, request, now, deps.config.session.lifespan);
  const completed = await completeFlow(deps, opened.flow, 'by_id', now, (completion) => deps.store.createSession(issued.session, { countsAsLogin: true, completeFlow: completion }));
  if (!completed) return alreadyCompleted(opened.flow, text.loginAlreadyCompleted());
  const { tokenHash: _t, logoutTokenHash: _l, ...stored } = issued.session;
  return { kind: 'success', flow: opened.flow, session: { ...stored, identity }, token: issued.token };
}

async function loginFlow(server: TestServer): Promise<Record<string, unknown>> {
  return jsonOf(await fetch(`${server.publicUrl}/self-service/login/api`));
}

function nodeNames(flow: Record<string, unknown>): string[] {
  return ((flow.ui as { nodes: Array<{ attributes: { name: string } }> }).nodes ?? []).map((n) => n.attributes.name);
}

async function submit(server: TestServer, kind: 'login' | 'registration', flowId: unknown, body: unknown): Promise<Response> {
  return fetch(`${server.publicUrl}/self-service/${kind}?flow=${String(flowId)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('sign-in methods as strategies', () => {
  let server: TestServer;
  let identityId: string;
  before(async () => {
    server = await startTestServer();
    const registered = await registerViaApi(server.publicUrl, 'strategies@example.org', 'strategies passphrase 123');
    identityId = String((registered.body.identity as Record<string, unknown>).id);
  });
  after(() => server.close());

  it('enables only the methods the configuration enables', async () => {
    assert.deepEqual(
      server.runtime.deps.strategies.map((s) => s.id),
      ['password'],
    );
    const withoutPassword = await startTestServer(testConfig({ selfservice: { methods: { password: { enabled: false } } } }));
    try {
      assert.deepEqual(withoutPassword.runtime.deps.strategies, []);
      assert.deepEqual(nodeNames(await loginFlow(withoutPassword)), ['csrf_token']);
    } finally {
      await withoutPassword.close();
    }
  });

  it('answers a body no enabled method is responsible for on the form (4010002)', async () => {
    const login = await loginFlow(server);
    const response = await submit(server, 'login', login.id, { method: 'by_id', identity_id: identityId });
    assert.equal(response.status, 400);
    assert.deepEqual(uiMessageIds(await jsonOf(response)), [4010002]);
  });

  it('takes a new method into flows and submits without any route knowing it, completing through the compare-and-set', async () => {
    const deps = server.runtime.deps;
    const original = deps.strategies;
    deps.strategies = [...original, byIdStrategy()];
    try {
      const login = await loginFlow(server);
      assert.deepEqual(nodeNames(login), ['identifier', 'csrf_token', 'password', 'method', 'identity_id']);

      const signedIn = await submit(server, 'login', login.id, { method: 'by_id', identity_id: identityId });
      assert.equal(signedIn.status, 200);
      const body = await jsonOf(signedIn);
      assert.equal(typeof body.session_token, 'string');
      const session = body.session as { authentication_methods: Array<{ method: string }>; identity: { id: string } };
      assert.equal(session.identity.id, identityId);
      assert.deepEqual(session.authentication_methods.map((m) => m.method), ['by_id']);
      const whoami = await fetch(`${server.publicUrl}/sessions/whoami`, { headers: { 'x-session-token': String(body.session_token) } });
      assert.equal(whoami.status, 200);

      // The flow is completed: a replay is refused before the method runs again.
      const replay = await submit(server, 'login', login.id, { method: 'by_id', identity_id: identityId });
      assert.equal(replay.status, 400);
      assert.deepEqual(uiMessageIds(await jsonOf(replay)), [4010007]);

      // Password submits still reach the password method; the new method has no registration part.
      const passwordLogin = await loginFlow(server);
      const byPassword = await submit(server, 'login', passwordLogin.id, { method: 'password', identifier: 'strategies@example.org', password: 'strategies passphrase 123' });
      assert.equal(byPassword.status, 200);
      const registration = await jsonOf(await fetch(`${server.publicUrl}/self-service/registration/api`));
      assert.ok(!nodeNames(registration).includes('identity_id'));
      const refused = await submit(server, 'registration', registration.id, { method: 'by_id', identity_id: identityId });
      assert.equal(refused.status, 400);
      assert.deepEqual(uiMessageIds(await jsonOf(refused)), [4010003]);
    } finally {
      deps.strategies = original;
    }
  });
});
