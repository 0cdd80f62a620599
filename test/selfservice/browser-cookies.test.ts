// test-stores: both
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { BrowserClient, csrfOf, flowIdOf, type FlowJson } from '../helpers/browser-client.js';
import { testConfig } from '../helpers/config.js';
import { setCookiesOf } from '../helpers/cookie-jar.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const BASE = 'https://auth.example.com/';

describe('cookies behind an https base URL, with a configured session cookie', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(
      testConfig({
        serve: { public: { base_url: BASE } },
        session: { lifespan: '2h', cookie: { name: 'my_session', domain: 'example.com', path: '/', same_site: 'Strict', persistent: false } },
      }),
    );
  });
  after(async () => {
    await server.close();
  });

  it('marks both cookies Secure, names and scopes them from config', async () => {
    const client = new BrowserClient(server.publicUrl, BASE);
    const init = await client.get('/self-service/registration/browser');
    assert.equal(init.headers.get('location')?.startsWith('https://auth.example.com/ui/registration?flow='), true);
    const [csrf] = setCookiesOf(init);
    assert.equal(csrf?.name, `csrf_token_${createHash('sha256').update(BASE).digest('hex')}`);
    assert.equal(csrf?.attributes.get('secure'), true);
    assert.equal(csrf?.attributes.get('httponly'), true);
    assert.equal(csrf?.attributes.get('samesite'), 'Lax');

    const flow = (await (await client.get(`/self-service/registration/flows?id=${flowIdOf(init)}`, 'application/json')).json()) as FlowJson;
    assert.equal(flow.ui.action, `https://auth.example.com/self-service/registration?flow=${flow.id}`);
    const done = await client.postForm(`/self-service/registration?flow=${flow.id}`, { csrf_token: csrfOf(flow), 'traits.email': 'secure@example.org', password: 'a long passphrase 42', method: 'password' });
    assert.equal(done.status, 303);
    const session = setCookiesOf(done).find((c) => c.name === 'my_session');
    assert.ok(session);
    assert.equal(session.attributes.get('secure'), true);
    assert.equal(session.attributes.get('httponly'), true);
    assert.equal(session.attributes.get('samesite'), 'Strict');
    assert.equal(session.attributes.get('domain'), 'example.com');
    assert.equal(session.attributes.has('max-age'), false, 'not persistent: a browser-session cookie');
    assert.equal(session.attributes.has('expires'), false);

    const whoami = await client.get('/sessions/whoami', 'application/json');
    assert.equal(whoami.status, 200, 'the configured cookie name is what whoami reads');
  });
});
