// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jsonOf } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

function assertHerodot(body: Record<string, unknown>, code: number): void {
  const error = body.error as Record<string, unknown>;
  assert.equal(error.code, code);
  assert.equal(typeof error.status, 'string');
  assert.equal(typeof error.message, 'string');
  assert.doesNotMatch(JSON.stringify(body), /at .+\.(ts|js):\d+|node_modules|\/work\//, 'no stack traces or paths');
}

describe('error responses are herodot JSON', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('answers unknown routes with a 404 on both ports', async () => {
    for (const base of [server.publicUrl, server.adminUrl]) {
      const response = await fetch(`${base}/no/such/route`);
      assert.equal(response.status, 404);
      assertHerodot(await jsonOf(response), 404);
    }
  });

  it('never serves admin routes on the public port', async () => {
    for (const path of ['/admin/identities', '/identities', '/admin/sessions']) {
      const response = await fetch(`${server.publicUrl}${path}`);
      assert.equal(response.status, 404, path);
    }
  });

  it('refuses bodies over 1 MiB with 413, malformed JSON with 400 and other content types with 415', async () => {
    const big = await fetch(`${server.adminUrl}/admin/identities`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"traits":"${'a'.repeat(1024 * 1024 + 10)}"}` });
    assert.equal(big.status, 413);
    assertHerodot(await jsonOf(big), 413);
    const malformed = await fetch(`${server.adminUrl}/admin/identities`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"traits": {' });
    assert.equal(malformed.status, 400);
    assertHerodot(await jsonOf(malformed), 400);
    const deep = await fetch(`${server.adminUrl}/admin/identities`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '['.repeat(10000) + ']'.repeat(10000) });
    assert.equal(deep.status, 400);
    const wrongType = await fetch(`${server.adminUrl}/admin/identities`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    assert.equal(wrongType.status, 415);
    assertHerodot(await jsonOf(wrongType), 415);
    assert.equal(await server.runtime.deps.store.countIdentities(), 0);
  });

  it('answers health and version on both ports', async () => {
    for (const base of [server.publicUrl, server.adminUrl]) {
      assert.deepEqual(await jsonOf(await fetch(`${base}/health/alive`)), { status: 'ok' });
      assert.deepEqual(await jsonOf(await fetch(`${base}/health/ready`)), { status: 'ok' });
      assert.match(String((await jsonOf(await fetch(`${base}/version`))).version), /^\d+\.\d+\.\d+/);
    }
  });
});

describe('readiness', () => {
  it('reports 503 with the failing check when the database is unreachable', async () => {
    const server = await startTestServer();
    await server.runtime.deps.store.close();
    const response = await fetch(`${server.publicUrl}/health/ready`);
    assert.equal(response.status, 503);
    const body = await jsonOf(response);
    assert.equal(typeof (body.errors as Record<string, unknown>).database, 'string');
    assert.deepEqual(await jsonOf(await fetch(`${server.publicUrl}/health/alive`)), { status: 'ok' });
    await server.close();
  });
});
