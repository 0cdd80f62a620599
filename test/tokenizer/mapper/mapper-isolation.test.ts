// test-stores: none
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClaimsMapper } from '../../../src/tokenizer/claims-mapper.js';
import { createClaimsMapper, startClaimsMapperEngine } from '../../../src/tokenizer/mapper/create-claims-mapper.js';
import type { PooledClaimsMapper } from '../../../src/tokenizer/mapper/pooled-claims-mapper.js';
import { fixtureTemplate, settle, testMapperOptions } from '../../helpers/mapper-templates.js';

const session = (name: string, i = 0): Record<string, unknown> => ({
  id: `session-${name}-${i}`,
  identity: { id: `identity-${i}`, state: 'active', traits: { email: `user${i}@example.org`, name }, metadata_public: null },
});
const claims = { jti: 'j', iss: 'http://localhost:4433/', exp: 1_700_000_300, sid: 's', nbf: 1_700_000_000, iat: 1_700_000_000, sub: 'u' };

const runaway = {
  name: 'runaway',
  // Never terminates (constant memory) for one kind of session, answers at once for the others.
  source: "local s = std.extVar('session'); local spin(n) = spin(n + 1) tailstrict; { claims: { name: if s.identity.traits.name == 'spin' then spin(0) else s.identity.traits.name } }",
  origin: 'base64://',
};
const hungry = {
  name: 'hungry',
  // Doubles a string until memory runs out, for one kind of session.
  source: "local s = std.extVar('session'); local grow(n) = if n == 0 then 'x' else (local h = grow(n - 1); h + h); { claims: { size: if s.identity.traits.name == 'grow' then std.length(grow(40)) else 0 } }",
  origin: 'base64://',
};
const picky = {
  name: 'picky',
  source: "local s = std.extVar('session'); { claims: { name: if s.identity.traits.name == 'bad' then error 'no bad names' else s.identity.traits.name } }",
  origin: 'base64://',
};

describe('a mapper that fails fails only its own request', () => {
  let engine: ClaimsMapper;
  before(async () => {
    // The default (generous) bounds: every failing input is evaluated again plainly (a fresh VM, ~40 ms alone),
    // which on a loaded machine can take longer than the short bound the runaway tests below use.
    engine = await createClaimsMapper([picky], testMapperOptions({ workers: 2 }));
  });
  after(async () => {
    await engine.close();
  });

  it('fails the failing sessions only, among many interleaved ones', async () => {
    const names = Array.from({ length: 200 }, (_, i) => (i % 7 === 3 ? 'bad' : `name${i}`));
    const outcomes = await Promise.all(names.map((name, i) => settle(engine.map('picky', session(name, i), claims))));
    outcomes.forEach((outcome, i) => {
      if (names[i] === 'bad') {
        assert.ok('error' in outcome, `session ${i} should fail`);
        assert.match(JSON.stringify(outcome.error), /Unable to execute tokenizer JsonNet\..*RUNTIME ERROR: no bad names/);
      } else {
        assert.deepEqual(outcome, { ok: { name: names[i] } });
      }
    });
  });
});

describe('a mapper that never ends fails only its own request', () => {
  let engine: ClaimsMapper;
  before(async () => {
    engine = await createClaimsMapper([fixtureTemplate('postgrest.jsonnet', 'postgrest'), runaway], testMapperOptions({ timeoutMs: 1500, workers: 2 }));
  });
  after(async () => {
    await engine.close();
  });

  it('stops a mapper that never terminates at the bound, while other requests keep being answered', async () => {
    const started = performance.now();
    let runawayFinished = false;
    const stuck = settle(engine.map('runaway', session('spin'), claims)).then((outcome) => {
      runawayFinished = true;
      return outcome;
    });
    // Requests made while the runaway spins (some land behind it in its worker at first) are all answered,
    // and before the runaway is stopped. (Inputs handed to a worker in the same step as the runaway wait for the
    // bound and are then answered: the next test. These arrive once it spins.)
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => engine.map(i % 2 ? 'postgrest' : 'runaway', session(`ok${round}-${i}`, i), claims)));
      assert.equal(answers.length, 10);
      assert.equal(runawayFinished, false, 'other requests should not wait for the runaway');
    }
    const outcome = await stuck;
    const elapsed = performance.now() - started;
    assert.ok('error' in outcome);
    assert.deepEqual(outcome.error, {
      error: {
        code: 400,
        status: 'Bad Request',
        reason: 'Unable to execute tokenizer JsonNet.',
        details: { error: 'the claims mapper did not finish within 1500 ms and was stopped' },
        message: 'The request was malformed or contained invalid parameters',
      },
    });
    assert.ok(elapsed >= 1500, `stopped after ${elapsed} ms`);
    // The worker was replaced: the engine keeps answering, on every worker.
    const after = await Promise.all(Array.from({ length: 20 }, (_, i) => engine.map('postgrest', session(`after${i}`, i), claims)));
    assert.equal(after.length, 20);
  });

  it('answers the inputs that shared a step with a runaway, once the bound stopped it', async () => {
    const started = performance.now();
    // Asked for in the same turn, so they are handed over together: those a worker gets share one step of its loop.
    const outcomes = await Promise.all([settle(engine.map('runaway', session('spin'), claims)), ...Array.from({ length: 6 }, (_, i) => settle(engine.map('runaway', session(`beside${i}`, i), claims)))]);
    assert.ok('error' in (outcomes[0] as object), 'the runaway fails at the bound');
    assert.match(JSON.stringify(outcomes[0]), /did not finish within 1500 ms/);
    outcomes.slice(1).forEach((outcome, i) => assert.deepEqual(outcome, { ok: { name: `beside${i}` } }));
    assert.ok(performance.now() - started >= 1500);
  });

  it('survives a worker killed from outside: its requests are retried elsewhere', async () => {
    // The worker stopped by the previous test may still be coming back.
    for (let i = 0; i < 100 && (engine as PooledClaimsMapper).workerPids.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    const pids = (engine as PooledClaimsMapper).workerPids;
    assert.equal(pids.length, 2);
    const inFlight = Array.from({ length: 40 }, (_, i) => engine.map('postgrest', session(`killed${i}`, i), claims));
    process.kill(pids[0] as number, 'SIGKILL');
    const answers = await Promise.all(inFlight);
    assert.deepEqual(answers[7], { email: 'user7@example.org', role: 'authenticated' });
    // A replacement worker comes up.
    for (let i = 0; i < 100 && (engine as PooledClaimsMapper).workerPids.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    const now = (engine as PooledClaimsMapper).workerPids;
    assert.equal(now.length, 2);
    assert.ok(!now.includes(pids[0] as number));
  });
});

describe('a mapper that eats memory is stopped at the memory bound', () => {
  let engine: ClaimsMapper;
  before(async () => {
    // A generous time bound, so that the memory bound is the one that stops it.
    engine = await createClaimsMapper([hungry], testMapperOptions({ timeoutMs: 120_000, workers: 1, maxMemoryBytes: 320 * 1024 * 1024 }));
  });
  after(async () => {
    await engine.close();
  });

  it('fails that request with a clear error and keeps serving', async () => {
    const outcome = await settle(engine.map('hungry', session('grow'), claims));
    assert.ok('error' in outcome);
    assert.match(JSON.stringify(outcome.error), /Unable to execute tokenizer JsonNet\..*needed more than 320 MiB of memory and was stopped/);
    assert.deepEqual(await engine.map('hungry', session('small'), claims), { size: 0 });
  });
});

describe('loops that end and hand over to their spare', () => {
  it('lose no input and mix up no output across many hand-overs, with failures in between', async () => {
    // A loop of 3 inputs: every few requests a loop returns (its last output comes back as its result) or dies
    // on a failing input, and the spare takes over.
    const engine = await startClaimsMapperEngine([picky], testMapperOptions({ workers: 1, cacheMaxEntries: 0 }), 3);
    try {
      const names = Array.from({ length: 120 }, (_, i) => (i % 11 === 5 ? 'bad' : `n${i}`));
      const outcomes = await Promise.all(names.map((name, i) => settle(engine.map('picky', session(name, i), claims))));
      outcomes.forEach((outcome, i) => {
        if (names[i] === 'bad') assert.ok('error' in outcome);
        else assert.deepEqual(outcome, { ok: { name: names[i] } });
      });
    } finally {
      await engine.close();
    }
  });
});
