// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { uiMessageIds as messageIds } from '../helpers/http.js';
import { sdkError as errorBody } from '../helpers/sdk-errors.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('native self-service flows through the official Ory SDK', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('registers, logs in, answers whoami and logs out', async () => {
    const registrationFlow = await server.frontend.createNativeRegistrationFlow();
    assert.equal(registrationFlow.type, 'api');
    const registered = await server.frontend.updateRegistrationFlow({
      flow: registrationFlow.id,
      updateRegistrationFlowBody: { method: 'password', password: 'a long passphrase 42', traits: { email: 'Ada@Example.org', name: 'Ada' } },
    });
    assert.match(registered.session_token ?? '', /^ory_st_[A-Za-z0-9]{43}$/);
    assert.equal(registered.identity.traits.email, 'Ada@Example.org');
    assert.deepEqual(registered.continue_with?.[0], { action: 'set_ory_session_token', ory_session_token: registered.session_token });

    const loginFlow = await server.frontend.createNativeLoginFlow();
    const login = await server.frontend.updateLoginFlow({
      flow: loginFlow.id,
      updateLoginFlowBody: { method: 'password', identifier: '  ada@EXAMPLE.org ', password: 'a long passphrase 42' },
    });
    assert.equal(login.session.identity?.id, registered.identity.id);
    assert.deepEqual(login.session.authentication_methods?.map((m) => m.method), ['password']);

    const session = await server.frontend.toSession({ xSessionToken: login.session_token });
    assert.equal(session.identity?.id, registered.identity.id);
    assert.equal(session.active, true);

    await server.frontend.performNativeLogout({ performNativeLogoutBody: { session_token: login.session_token ?? '' } });
    const afterLogout = await errorBody(server.frontend.toSession({ xSessionToken: login.session_token }));
    assert.equal(afterLogout.status, 401);
    assert.deepEqual(afterLogout.body, {
      error: { code: 401, status: 'Unauthorized', reason: 'No valid session credentials found in the request.', message: 'The request could not be authorized' },
    });
  });

  it('answers a wrong password and an unknown account with the same 4000006', async () => {
    const flow = await server.frontend.createNativeRegistrationFlow();
    await server.frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'password', password: 'another passphrase 7', traits: { email: 'grace@example.org' } } });
    for (const identifier of ['grace@example.org', 'nobody@example.org']) {
      const login = await server.frontend.createNativeLoginFlow();
      const failed = await errorBody(server.frontend.updateLoginFlow({ flow: login.id, updateLoginFlowBody: { method: 'password', identifier, password: 'wrong passphrase 99' } }));
      assert.equal(failed.status, 400);
      assert.deepEqual(messageIds(failed.body), [4000006]);
    }
  });

  it('reports missing fields, short and similar passwords and duplicates with Kratos message ids', async () => {
    const flow = await server.frontend.createNativeRegistrationFlow();
    const missing = await errorBody(server.frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'password', password: '', traits: {} } }));
    assert.equal(missing.status, 400);
    assert.deepEqual(messageIds(missing.body).sort(), [4000002, 4000002]);

    const short = await errorBody(server.frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'password', password: 'short', traits: { email: 'x1@example.org' } } }));
    assert.deepEqual(messageIds(short.body), [4000032]);

    const similar = await errorBody(server.frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'password', password: 'x1@example.org1', traits: { email: 'x1@example.org' } } }));
    assert.deepEqual(messageIds(similar.body), [4000031]);

    await server.frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'password', password: 'unrelated secret 55', traits: { email: 'dup@example.org' } } });
    const second = await server.frontend.createNativeRegistrationFlow();
    const duplicate = await errorBody(server.frontend.updateRegistrationFlow({ flow: second.id, updateRegistrationFlowBody: { method: 'password', password: 'unrelated secret 56', traits: { email: 'DUP@example.org' } } }));
    assert.deepEqual(messageIds(duplicate.body), [4000007]);
  });

  it('answers 404 for an unknown flow', async () => {
    const unknown = await errorBody(server.frontend.getLoginFlow({ id: '7458af86-c1d8-401c-978a-8da89133f78b' }));
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, { error: { code: 404, status: 'Not Found', message: 'Unable to locate the resource' } });
  });
});
