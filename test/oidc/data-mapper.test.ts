// test-stores: none
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataMapperError, readMapperOutput, runDataMapper } from '../../src/oidc/data-mapper.js';
import { createChildJsonnetEvaluator } from '../../src/oidc/jsonnet-child-evaluator.js';
import { claimsFromOpenIdConnect } from '../../src/oidc/upstream-claims.js';

/** The mapper's input as Kratos builds it, its output rules, and an evaluation that cannot hang the service. */
describe('upstream claims (the mapper\'s claims ext var)', () => {
  it('omits empty values like Go\'s omitempty, keeps raw_claims, coerces Apple booleans and Auth0 dates', () => {
    const raw = { iss: 'https://op/', sub: 's1', email: 'a@b.c', email_verified: 'true', name: '', phone_number_verified: false, updated_at: '2024-01-02T03:04:05.000Z', amr: ['pwd', 7], aud: 'client' };
    assert.deepEqual(claimsFromOpenIdConnect(raw, { rawClaims: true }), {
      iss: 'https://op/',
      sub: 's1',
      email: 'a@b.c',
      email_verified: true,
      updated_at: 1704164645,
      amr: ['pwd'],
      raw_claims: raw,
    });
    assert.deepEqual(claimsFromOpenIdConnect({ sub: 's', email_verified: false, name: 42 }, { rawClaims: false }), { sub: 's' }, 'false and wrong types are absent');
  });
});

describe('mapper output', () => {
  it('requires identity.traits to be an object, metadata to be objects, verified_addresses an array of email entries', () => {
    assert.throws(() => readMapperOutput({ identity: {} }), /did not return an object for key identity.traits/);
    assert.throws(() => readMapperOutput({ traits: {} }), /did not return an object for key identity.traits/);
    assert.throws(() => readMapperOutput({ identity: { traits: {}, metadata_public: [1] } }), /non-object for key identity.metadata_public/);
    assert.throws(() => readMapperOutput({ identity: { traits: {}, verified_addresses: {} } }), /non-array for key identity.verified_addresses/);
    assert.throws(() => readMapperOutput({ identity: { traits: {}, verified_addresses: [{ value: 'x', via: 'sms' }] } }), DataMapperError);
    assert.deepEqual(readMapperOutput({ identity: { traits: { a: 1 }, metadata_admin: { b: 2 }, verified_addresses: [{ value: ' A@B.C ', via: 'email' }] } }), {
      traits: { a: 1 },
      metadataAdmin: { b: 2 },
      verifiedAddresses: [{ value: 'a@b.c', via: 'email' }],
    });
  });
});

describe('mapper evaluation in a child process', { timeout: 60_000 }, () => {
  const evaluator = createChildJsonnetEvaluator({ timeoutMs: 3_000 });
  const mapper = (source: string) => ({ source, origin: '/etc/tessera/mapper.jsonnet' });

  it('binds claims and identity like Kratos and returns the mapped identity', async () => {
    const mapped = await runDataMapper(evaluator, mapper("local c = std.extVar('claims'); { identity: { traits: { email: c.email }, metadata_admin: std.extVar('identity') } }"), { email: 'x@y.z' });
    assert.deepEqual(mapped.traits, { email: 'x@y.z' });
    assert.deepEqual(mapped.metadataAdmin, { traits: {}, metadata_public: {}, metadata_admin: {} });
  });

  it('turns a Jsonnet error into a DataMapperError with its first line', async () => {
    await assert.rejects(runDataMapper(evaluator, mapper("error 'claim sub not set'"), {}), (error: Error) => error instanceof DataMapperError && error.message === 'RUNTIME ERROR: claim sub not set');
    await assert.rejects(runDataMapper(evaluator, mapper('{ identity: '), {}), /STATIC ERROR: \/etc\/tessera\/mapper.jsonnet:1:13/);
  });

  it('kills a mapper that never terminates, and the next evaluation still works', async () => {
    const started = Date.now();
    await assert.rejects(runDataMapper(evaluator, mapper('local loop(n) = loop(n + 1) tailstrict; loop(0)'), {}), /did not finish within 3000 ms/);
    assert.ok(Date.now() - started < 20_000);
    const mapped = await runDataMapper(evaluator, mapper('{ identity: { traits: {} } }'), {});
    assert.deepEqual(mapped.traits, {});
  });
});
