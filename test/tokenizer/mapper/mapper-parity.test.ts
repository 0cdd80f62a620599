// test-stores: none
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClaimsMapper } from '../../../src/tokenizer/claims-mapper.js';
import { createClaimsMapper } from '../../../src/tokenizer/mapper/create-claims-mapper.js';
import { createReferenceClaimsMapper } from '../../../src/tokenizer/mapper/reference-claims-mapper.js';
import { fixtureTemplate, settle, testMapperOptions } from '../../helpers/mapper-templates.js';
import { defaultClaims, randomSessions, type RandomSession } from '../../helpers/random-sessions.js';

/** Shipped-style mappers, Kratos's own test mapper (reads claims) and one that branches on session fields. */
const common = [
  fixtureTemplate('postgrest.jsonnet', 'postgrest'),
  fixtureTemplate('hasura.jsonnet', 'hasura'),
  fixtureTemplate('kratos-test.jsonnet', 'kratos-test'),
  fixtureTemplate('branching.jsonnet', 'branching'),
];
/** Runtime errors for some sessions, non-object claims, std functions on numbers and unicode, imports, statics. */
const unusual = [
  fixtureTemplate('sometimes-failing.jsonnet', 'sometimes-failing'),
  fixtureTemplate('numbers-and-unicode.jsonnet', 'numbers'),
  fixtureTemplate('type-predicates.jsonnet', 'type-predicates'),
  fixtureTemplate('passthrough.jsonnet', 'passthrough'),
  fixtureTemplate('with-lib/mapper.jsonnet', 'with-lib'),
  { name: 'syntax-error', source: '{ claims: { a: 1 ', origin: '/nowhere/syntax-error.jsonnet' },
  { name: 'no-claims', source: "{ other: std.extVar('session').id }", origin: 'base64://' },
  { name: 'string-output', source: "'claims'", origin: 'base64://' },
];
const templates = [...common, ...unusual];

/**
 * Checks every template on every session, many calls at once so that inputs interleave in the workers' loops the
 * way requests do. The reference costs a fresh VM (~50 ms) per call, which is what bounds the session counts.
 */
async function assertAgreement(engine: ClaimsMapper, reference: ClaimsMapper, names: string[], sessions: RandomSession[], now: number): Promise<{ ok: number; error: number }> {
  const outcomes = { ok: 0, error: 0 };
  await Promise.all(
    sessions.map(async (session) => {
      const claims = defaultClaims(session, now);
      for (const name of names) {
        const [fast, plain] = await Promise.all([settle(engine.map(name, session, claims)), settle(reference.map(name, session, claims))]);
        assert.deepEqual(fast, plain, `template ${name}: ${JSON.stringify(fast).slice(0, 600)}, session ${JSON.stringify(session)}`);
        outcomes['ok' in fast ? 'ok' : 'error']++;
      }
    }),
  );
  return outcomes;
}

describe('the pooled engine agrees with the plain reference evaluation', () => {
  let engine: ClaimsMapper;
  const reference = createReferenceClaimsMapper(templates);
  before(async () => {
    engine = await createClaimsMapper(templates, testMapperOptions());
  });
  after(async () => {
    await engine.close();
  });

  it('gives identical claims over 320 random sessions for shipped-style, claims-reading and branching mappers', async () => {
    const outcomes = await assertAgreement(engine, reference, common.map((t) => t.name), randomSessions(320, 4242), 1_700_000_000);
    assert.equal(outcomes.ok, 320 * common.length);
  });

  it('gives identical claims and identical errors for unusual mappers over 80 random sessions', async () => {
    const outcomes = await assertAgreement(engine, reference, unusual.map((t) => t.name), randomSessions(80, 77), 1_700_000_000);
    // Both sides must be exercised: the failing templates fail, the others succeed.
    assert.ok(outcomes.ok >= 80 * 3, `successes: ${outcomes.ok}`);
    assert.ok(outcomes.error >= 80 * 3, `failures: ${outcomes.error}`);
  });

  it('still agrees when answers come from the memo cache (same sessions, fresh claims)', async () => {
    const sessions = randomSessions(40, 4242);
    const names = ['postgrest', 'kratos-test', 'branching', 'sometimes-failing'];
    await assertAgreement(engine, reference, names, sessions, 1_700_000_001);
    await assertAgreement(engine, reference, names, sessions, 1_700_000_002);
  });

  it("reports Kratos's reasons for the three kinds of mapper failure", async () => {
    const [session] = randomSessions(1, 7);
    assert.ok(session);
    const claims = defaultClaims(session, 1_700_000_000);
    const syntax = await settle(engine.map('syntax-error', session, claims));
    assert.ok('error' in syntax);
    assert.match(JSON.stringify(syntax.error), /Unable to execute tokenizer JsonNet\..*STATIC ERROR: \/nowhere\/syntax-error\.jsonnet/);
    for (const name of ['no-claims', 'string-output']) {
      const outcome: Awaited<ReturnType<typeof settle>> = await settle(engine.map(name, session, claims));
      assert.ok('error' in outcome);
      assert.deepEqual(outcome.error, {
        error: { code: 400, status: 'Bad Request', reason: 'Expected tokenizer JsonNet to return a claims object but it did not.', message: 'The request was malformed or contained invalid parameters' },
      });
    }
    const unknown = await settle(engine.map('nope', session, claims));
    assert.ok('error' in unknown);
    assert.match(JSON.stringify(unknown.error), /Unable to find tokenizer template \\"nope\\"/);
  });
});
