// test-stores: both
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import { createPublicApp } from '../../src/http/public-app.js';
import { withWhoamiFastPath, type NodeListener } from '../../src/http/whoami-fast-path.js';
import { createLogger } from '../../src/logging/logger.js';
import { buildRuntime, type Runtime } from '../../src/runtime/build-deps.js';
import { tempDir, testConfig } from '../helpers/config.js';
import { fileUrl, payloadOf, privateJwk, seedSession, writeJwksFile } from '../helpers/tokenizer.js';

interface RawAnswer {
  status: number;
  /** Header names and values in the order sent, without Date (it differs between two answers). */
  headers: string[];
  body: string;
}

function get(url: string, headers: OutgoingHttpHeaders = {}, method = 'GET'): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const raw = res.rawHeaders.flatMap((value, i) => (i % 2 === 0 ? [] : [`${res.rawHeaders[i - 1] as string}: ${value}`])).filter((line) => !line.startsWith('Date:'));
        resolve({ status: res.statusCode ?? 0, headers: raw, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A token's claims without those that differ from one token to the next. */
function stableClaims(body: string): Record<string, unknown> {
  const { jti: _jti, iat: _iat, nbf: _nbf, exp: _exp, ...rest } = payloadOf((JSON.parse(body) as { tokenized: string }).tokenized);
  return rest;
}

/**
 * The fast path of `tessera serve` (src/http/whoami-fast-path.ts) answers successful whoami GETs before Hono; these
 * tests put it in front of the real Hono listener, count what it hands over, and compare its answers with those of
 * the Hono route for the same requests, header by header.
 */
describe('whoami fast path', () => {
  const dir = tempDir();
  let runtime: Runtime;
  let server: Server;
  let base: string;
  const handedOver: string[] = [];
  const logLines: string[] = [];

  before(async () => {
    const jwks = fileUrl(writeJwksFile(dir, 'key.json', { keys: [privateJwk('EdDSA', 'k')] }));
    const config = testConfig({ session: { whoami: { tokenizer: { templates: { postgrest: { jwks_url: jwks, claims_mapper_url: fileUrl(resolve('templates/postgrest.jsonnet')) } } } } } }, dir);
    runtime = await buildRuntime(config, createLogger('info', { write: (line: string) => void logLines.push(line) }));
    const hono = getRequestListener(createPublicApp(runtime.deps).fetch);
    const fallback: NodeListener = (req, res) => {
      handedOver.push(`${req.method ?? ''} ${req.url ?? ''}`);
      void hono(req, res);
    };
    server = createServer(withWhoamiFastPath(runtime.deps, fallback));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await runtime?.close();
  });

  it('answers successful GETs itself, exactly as the Hono route does, with the same access-log line', async () => {
    const { token, identityId } = await seedSession(runtime.deps, { metadataPublic: { role: 'editor' } });
    for (const path of ['/sessions/whoami', '/session/whoami']) {
      handedOver.length = 0;
      logLines.length = 0;
      const fast = await get(`${base}${path}`, { 'X-Session-Token': token, 'X-Request-ID': 'fast-1' });
      assert.deepEqual(handedOver, [], 'answered without Hono');
      // A query other than tokenize_as is left to Hono, which ignores it: the reference answer.
      const viaHono = await get(`${base}${path}?other=1`, { 'X-Session-Token': token, 'X-Request-ID': 'hono-1' });
      assert.deepEqual(handedOver, [`GET ${path}?other=1`]);
      assert.equal(fast.status, 200);
      assert.deepEqual(fast.headers, viaHono.headers);
      assert.equal(fast.body, viaHono.body);
      assert.equal((JSON.parse(fast.body) as { identity: { id: string } }).identity.id, identityId);
      assert.ok(fast.headers.includes(`x-kratos-authenticated-identity-id: ${identityId}`));

      const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'request');
      assert.equal(lines.length, 2);
      const [fastLine, honoLine] = lines.map(({ time: _time, ms: _ms, request_id: _id, ...rest }) => rest);
      assert.deepEqual(fastLine, honoLine);
      assert.deepEqual(
        lines.map((line) => line.request_id),
        ['fast-1', 'hono-1'],
      );
    }
  });

  it('tokenizes on the fast path with the same headers and claims as the Hono route', async () => {
    const { token } = await seedSession(runtime.deps, { traits: { email: 'fast@example.org' }, metadataPublic: { role: 'editor' } });
    handedOver.length = 0;
    const fast = await get(`${base}/sessions/whoami?tokenize_as=postgrest`, { Authorization: `Bearer ${token}` });
    assert.deepEqual(handedOver, []);
    const viaHono = await get(`${base}/sessions/whoami?tokenize_as=postgrest&`, { Authorization: `Bearer ${token}` });
    assert.equal(handedOver.length, 1);
    assert.equal(fast.status, 200);
    assert.deepEqual(fast.headers.filter((h) => !h.startsWith('Content-Length')), viaHono.headers.filter((h) => !h.startsWith('Content-Length')));
    assert.deepEqual(stableClaims(fast.body), stableClaims(viaHono.body));
    assert.deepEqual(stableClaims(fast.body), { ...stableClaims(viaHono.body), role: 'editor', email: 'fast@example.org' });
    const { tokenized: _a, ...fastSession } = JSON.parse(fast.body) as Record<string, unknown>;
    const { tokenized: _b, ...honoSession } = JSON.parse(viaHono.body) as Record<string, unknown>;
    assert.deepEqual(fastSession, honoSession);
  });

  it('hands everything else to Hono untouched, which answers it as before', async () => {
    const { token } = await seedSession(runtime.deps);
    const cases: Array<{ what: string; path: string; headers?: OutgoingHttpHeaders; method?: string; status: number }> = [
      { what: 'no credentials', path: '/sessions/whoami', status: 401 },
      { what: 'an unknown token', path: '/sessions/whoami', headers: { 'X-Session-Token': 'ory_st_nope' }, status: 401 },
      { what: 'an unknown template', path: '/sessions/whoami?tokenize_as=nope', headers: { 'X-Session-Token': token }, status: 400 },
      { what: 'another method', path: '/sessions/whoami', method: 'POST', headers: { 'X-Session-Token': token }, status: 200 },
      { what: 'HEAD', path: '/sessions/whoami', method: 'HEAD', headers: { 'X-Session-Token': token }, status: 200 },
      { what: 'an escaped template name', path: '/sessions/whoami?tokenize_as=post%67rest', headers: { 'X-Session-Token': token }, status: 200 },
      { what: 'a repeated token header', path: '/sessions/whoami', headers: { 'X-Session-Token': [token, token] }, status: 401 },
      { what: 'a trailing slash', path: '/sessions/whoami/', headers: { 'X-Session-Token': token }, status: 404 },
    ];
    for (const c of cases) {
      handedOver.length = 0;
      const answer = await get(`${base}${c.path}`, c.headers, c.method);
      assert.equal(answer.status, c.status, `${c.what}: ${answer.body}`);
      assert.deepEqual(handedOver, [`${c.method ?? 'GET'} ${c.path}`], c.what);
    }
  });

  it('refuses a revoked session on the very next call', async () => {
    const { token, sessionId } = await seedSession(runtime.deps);
    assert.equal((await get(`${base}/sessions/whoami?tokenize_as=postgrest`, { 'X-Session-Token': token })).status, 200);
    assert.equal(await runtime.deps.store.revokeSession(sessionId), true);
    handedOver.length = 0;
    const refused = await get(`${base}/sessions/whoami?tokenize_as=postgrest`, { 'X-Session-Token': token });
    assert.equal(refused.status, 401);
    assert.equal(handedOver.length, 1, 'the 401 itself comes from the Hono route');
  });
});
