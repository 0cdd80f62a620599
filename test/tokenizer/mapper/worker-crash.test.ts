// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClaimsMapper } from '../../../src/tokenizer/mapper/create-claims-mapper.js';
import type { PooledClaimsMapper } from '../../../src/tokenizer/mapper/pooled-claims-mapper.js';
import { tempDir, testConfig } from '../../helpers/config.js';
import { settle, testMapperOptions } from '../../helpers/mapper-templates.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { base64Url, fileUrl, payloadOf, privateJwk, seedSession, whoami, writeJwksFile } from '../../helpers/tokenizer.js';

/**
 * A mapper that kills the process evaluating it for one kind of session: libjsonnet turns parsed JSON into its
 * own values recursively, so parsing 100,000 nested arrays overflows the native stack of the evaluation thread
 * (SIGSEGV). The worker dies without a word, with the other inputs of its batch in flight.
 */
const CRASHER = `
local s = std.extVar('session');
local depth = 100000;
local nested = if s.identity.traits.name == 'crash'
  then std.parseJson(std.join('', std.makeArray(depth, function(i) '[')) + std.join('', std.makeArray(depth, function(i) ']')))
  else [];
{ claims: { name: s.identity.traits.name, nested: std.length(nested) } }`;

const session = (name: string, i = 0): Record<string, unknown> => ({
  id: `session-${name}-${i}`,
  identity: { id: `identity-${i}`, state: 'active', traits: { email: `user${i}@example.org`, name }, metadata_public: null },
});
const claims = { jti: 'j', iss: 'http://localhost:4433/', exp: 1_700_000_300, sid: 's', nbf: 1_700_000_000, iat: 1_700_000_000, sub: 'u' };

const CRASHED = {
  error: {
    code: 500,
    status: 'Internal Server Error',
    reason: 'The claims mapper evaluation process crashed while evaluating this session.',
    message: 'An internal server error occurred, please contact the system administrator',
  },
};

describe('a mapper that crashes its worker process', () => {
  let engine: PooledClaimsMapper;
  before(async () => {
    // One worker, so the culprit shares its batches with the innocent inputs; bounds far away, so the crash, not
    // a bound, is what ends the worker.
    engine = (await createClaimsMapper([{ name: 'crasher', source: CRASHER, origin: 'base64://' }], testMapperOptions({ workers: 1, timeoutMs: 60_000 }))) as PooledClaimsMapper;
  });
  after(async () => {
    await engine.close();
  });

  it('answers the culprit with a 500 and every input batched with it normally', async () => {
    const firstWorker = engine.workerPids[0];
    const names = Array.from({ length: 40 }, (_, i) => (i === 17 ? 'crash' : `innocent${i}`));
    const outcomes = await Promise.all(names.map((name, i) => settle(engine.map('crasher', session(name, i), claims))));
    outcomes.forEach((outcome, i) => {
      if (names[i] === 'crash') assert.deepEqual(outcome, { error: CRASHED });
      else assert.deepEqual(outcome, { ok: { name: names[i], nested: 0 } }, `input ${i}`);
    });
    assert.ok(!engine.workerPids.includes(firstWorker as number), 'the worker died');
    // The engine keeps serving, and a crash is not memoized: the same session crashes (and fails) again.
    assert.deepEqual(await engine.map('crasher', session('after'), claims), { name: 'after', nested: 0 });
    assert.deepEqual(await settle(engine.map('crasher', session('crash', 17), claims)), { error: CRASHED });
  });
});

describe('whoami?tokenize_as with a mapper that crashes its worker', () => {
  const dir = tempDir();
  let server: TestServer;
  before(async () => {
    const jwks = fileUrl(writeJwksFile(dir, 'key.json', { keys: [privateJwk('EdDSA', 'k')] }));
    const config = testConfig(
      { session: { whoami: { tokenizer: { templates: { crasher: { jwks_url: jwks, claims_mapper_url: base64Url(CRASHER) } } } } }, tessera: { tokenizer: { workers: 1, mapper_timeout: '60s' } } },
      dir,
    );
    server = await startTestServer(config);
  });
  after(async () => {
    await server?.close();
  });

  it('answers the crashing session with a Kratos 500 and the requests around it with their tokens', async () => {
    const crash = await seedSession(server.runtime.deps, { traits: { email: 'crash@example.org', name: 'crash' } });
    const innocent = await Promise.all(Array.from({ length: 12 }, (_, i) => seedSession(server.runtime.deps, { traits: { email: `innocent${i}@example.org`, name: `innocent${i}` } })));
    const [crashed, ...answers] = await Promise.all([whoami(server.publicUrl, crash.token, 'crasher'), ...innocent.map((s) => whoami(server.publicUrl, s.token, 'crasher'))]);
    assert.equal(crashed?.status, 500);
    assert.deepEqual(crashed?.body, CRASHED);
    answers.forEach((answer, i) => {
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(payloadOf(String(answer.body.tokenized)).name, `innocent${i}`);
    });
    // The service is still up.
    assert.equal((await whoami(server.publicUrl, (innocent[0] as { token: string }).token, 'crasher')).status, 200);
  });
});
