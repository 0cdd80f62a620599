// test-stores: none
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClaimsMapper } from '../../../src/tokenizer/claims-mapper.js';
import { createClaimsMapper } from '../../../src/tokenizer/mapper/create-claims-mapper.js';
import { newJsonnet } from '../../../src/tokenizer/mapper/jsonnet-binding.js';
import { jsonnetBinary, runJsonnet } from '../../helpers/jsonnet-binary.js';
import { fixtureTemplate, settle, testMapperOptions } from '../../helpers/mapper-templates.js';
import { defaultClaims, randomSessions } from '../../helpers/random-sessions.js';

const binary = jsonnetBinary();
const skip = 'skip' in binary ? binary.skip : false;

/** Removes the whitespace outside strings, keeping number and string tokens byte for byte. */
function withoutLayout(json: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i] as string;
    if (inString) {
      out += c;
      if (c === '\\') out += json[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (!/\s/.test(c)) {
      out += c;
    }
  }
  return out;
}

/** Values whose manifestation could differ between a top-level output and `'' + [value]`, if anything could. */
const TRICKY_VALUES = [
  '{ b: 1, a: [0.1, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, -0.0, 123456789012345678, 2.5e-5, 1/3] }',
  '{ "é": "ü\\u0000\\u001f\\u007f\\u2028 \\"q\\" \\\\ / \\n\\t", emoji: "😀👍🏽", "": null, t: true, f: false }',
  '{ nested: { deeper: [[], {}, [{}], { x: [] }] }, hidden:: 1, [std.char(200)]: std.char(128512) }',
  '[1, "two", null, { three: 3 }]',
  '"just a string"',
  '42.5',
];

const templates = [
  fixtureTemplate('postgrest.jsonnet', 'postgrest'),
  fixtureTemplate('hasura.jsonnet', 'hasura'),
  fixtureTemplate('kratos-test.jsonnet', 'kratos-test'),
  fixtureTemplate('branching.jsonnet', 'branching'),
  fixtureTemplate('numbers-and-unicode.jsonnet', 'numbers'),
  fixtureTemplate('type-predicates.jsonnet', 'type-predicates'),
  fixtureTemplate('passthrough.jsonnet', 'passthrough'),
];

describe('output parity with the Debian jsonnet command', { skip }, () => {
  let engine: ClaimsMapper;
  before(async () => {
    engine = await createClaimsMapper(templates, testMapperOptions());
  });
  after(async () => {
    await engine?.close();
  });

  it("manifests `'' + [value]` (the loop's output path) token for token like a top-level output", async () => {
    const path = (binary as { path: string }).path;
    for (const value of TRICKY_VALUES) {
      const topLevel = runJsonnet(path, ['-e', value]);
      const inLoop = JSON.parse(await newJsonnet().evaluateSnippet(`'' + [${value}]`)) as string;
      assert.equal(withoutLayout(inLoop), `[${withoutLayout(topLevel)}]`, value);
    }
  });

  it('gives the claims the jsonnet command gives, for every fixture mapper over 20 random sessions', async () => {
    const path = (binary as { path: string }).path;
    for (const session of randomSessions(20, 99)) {
      const claims = defaultClaims(session, 1_700_000_000);
      for (const template of templates) {
        let expected: { ok: unknown } | { failed: true };
        try {
          const output = JSON.parse(runJsonnet(path, ['--ext-code', `session=${JSON.stringify(session)}`, '--ext-code', `claims=${JSON.stringify(claims)}`, template.origin])) as { claims: unknown };
          expected = { ok: output.claims };
        } catch {
          expected = { failed: true };
        }
        const actual = await settle(engine.map(template.name, session, claims));
        if ('ok' in expected) assert.deepEqual(actual, expected, `${template.name} on ${JSON.stringify(session)}`);
        else assert.ok('error' in actual, `${template.name} should fail on ${JSON.stringify(session)}`);
      }
    }
  });
});
