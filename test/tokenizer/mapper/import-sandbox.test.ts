// test-stores: none
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/config/config-error.js';
import type { MapperTemplate } from '../../../src/tokenizer/claims-mapper.js';
import { createClaimsMapper } from '../../../src/tokenizer/mapper/create-claims-mapper.js';
import { sandboxMapper } from '../../../src/tokenizer/mapper/import-sandbox.js';
import { createReferenceClaimsMapper } from '../../../src/tokenizer/mapper/reference-claims-mapper.js';
import { tempDir } from '../../helpers/config.js';
import { testMapperOptions } from '../../helpers/mapper-templates.js';

/**
 * A layout with an inside and an outside:
 *   root/templates/           the mappers' folder
 *   root/templates/lib/       helpers (inside)
 *   root/templates/escape.libsonnet -> root/outside/secret.libsonnet   (symlink out)
 *   root/templates/door/      -> root/outside/deep                       (symlinked folder)
 *   root/templates/secret.txt (inside; what a textual `door/../secret.txt` would wrongly resolve to)
 *   root/outside/secret.txt   (what the kernel resolves `door/../secret.txt` to)
 */
function layout(): { templates: string; outside: string } {
  const root = tempDir('tessera-sandbox-');
  const templates = join(root, 'templates');
  const outside = join(root, 'outside');
  mkdirSync(join(templates, 'lib'), { recursive: true });
  mkdirSync(join(outside, 'deep'), { recursive: true });
  writeFileSync(join(templates, 'lib', 'helper.libsonnet'), "{ greet(name):: 'hello ' + name, data: importstr '../data.txt' }\n");
  writeFileSync(join(templates, 'data.txt'), 'inside data\n');
  writeFileSync(join(templates, 'secret.txt'), 'inside, not secret\n');
  writeFileSync(join(outside, 'secret.txt'), 'outside secret\n');
  writeFileSync(join(outside, 'secret.libsonnet'), '{ secret: true }\n');
  writeFileSync(join(templates, 'nested-escape.libsonnet'), "{ leaked: importstr '../outside/secret.txt' }\n");
  writeFileSync(join(templates, 'reads-ext.libsonnet'), "local session = std.extVar('session'); { email: session.identity.traits.email }\n");
  symlinkSync(join(outside, 'secret.libsonnet'), join(templates, 'escape.libsonnet'));
  symlinkSync(join(outside, 'deep'), join(templates, 'door'));
  return { templates, outside };
}

function mapperIn(folder: string, name: string, source: string): MapperTemplate {
  const origin = join(folder, `${name}.jsonnet`);
  writeFileSync(origin, source);
  return { name, source, origin };
}

async function refusal(template: MapperTemplate): Promise<ConfigError> {
  try {
    await sandboxMapper(template);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.keyPath, `session.whoami.tokenizer.templates.${template.name}.claims_mapper_url`);
    assert.ok(error.message.includes(`template "${template.name}"`), error.message);
    assert.ok(error.message.includes(template.origin), error.message);
    return error;
  }
  assert.fail(`template ${template.name} should have been refused`);
}

const session = (email: string): Record<string, unknown> => ({ id: 's', identity: { id: 'i', traits: { email } } });
const claims = { exp: 1, sub: 'u' };

describe('import sandbox', () => {
  it('allows imports inside the mapper folder, and they work in the engine exactly as in the reference', async () => {
    const { templates } = layout();
    const ok = mapperIn(templates, 'ok', "local h = import 'lib/helper.libsonnet'; local h2 = import './lib/../lib/helper.libsonnet'; { claims: { hi: h.greet(std.extVar('session').identity.traits.email), data: h.data, same: h == h2, raw: importstr 'data.txt', bin: std.length(importbin 'data.txt') } }\n");
    const readsExt = mapperIn(templates, 'reads-ext', "{ claims: import 'reads-ext.libsonnet' }\n");
    const engine = await createClaimsMapper([ok, readsExt], testMapperOptions({ workers: 1 }));
    const reference = createReferenceClaimsMapper([ok, readsExt]);
    try {
      const mapped = await engine.map('ok', session('ada@example.org'), claims);
      assert.deepEqual(mapped, { hi: 'hello ada@example.org', data: 'inside data\n', same: true, raw: 'inside data\n', bin: 12 });
      assert.deepEqual(mapped, await reference.map('ok', session('ada@example.org'), claims));
      // An imported file reading std.extVar itself sees each request's session, never an earlier one.
      for (const email of ['a@example.org', 'b@example.org', 'c@example.org']) {
        assert.deepEqual(await engine.map('reads-ext', session(email), claims), { email });
      }
    } finally {
      await engine.close();
    }
  });

  it('refuses an absolute import outside the folder', async () => {
    const { templates } = layout();
    const error = await refusal(mapperIn(templates, 'passwd', "{ claims: { p: importstr '/etc/passwd' } }"));
    assert.match(error.message, /importstr "\/etc\/passwd" \(the mapper, line 1\) resolves to \/etc\/passwd, outside the mapper's folder/);
  });

  it('refuses a relative escape with ..', async () => {
    const { templates } = layout();
    const error = await refusal(mapperIn(templates, 'dotdot', "{ claims: { p: importstr '../outside/secret.txt' } }"));
    assert.match(error.message, /outside the mapper's folder/);
  });

  it('refuses a symlink that leads outside, and `..` after a symlinked folder as the kernel resolves it', async () => {
    const { templates } = layout();
    assert.match((await refusal(mapperIn(templates, 'symlink', "{ claims: import 'escape.libsonnet' }"))).message, /outside the mapper's folder/);
    // Textually door/../secret.txt is templates/secret.txt (inside); the kernel follows door first: outside.
    assert.match((await refusal(mapperIn(templates, 'door', "{ claims: { s: importstr 'door/../secret.txt' } }"))).message, /outside\/secret\.txt, outside the mapper's folder/);
  });

  it('refuses an escape hidden in an imported file, naming that file', async () => {
    const { templates } = layout();
    const error = await refusal(mapperIn(templates, 'nested', "{ claims: import 'nested-escape.libsonnet' }"));
    assert.ok(error.message.includes(join(templates, 'nested-escape.libsonnet')), error.message);
    assert.match(error.message, /importstr "\.\.\/outside\/secret\.txt"/);
  });

  it('refuses escaped paths, missing files, text-block and computed imports, and any import from base64://', async () => {
    const { templates } = layout();
    assert.match((await refusal(mapperIn(templates, 'escaped', '{ claims: { p: importstr "\\/etc\\u002fpasswd" } }'))).message, /"\/etc\/passwd"/);
    assert.match((await refusal(mapperIn(templates, 'missing', "{ claims: import 'nope.libsonnet' }"))).message, /does not exist/);
    assert.match((await refusal(mapperIn(templates, 'block', '{ claims: import |||\n  x.libsonnet\n||| }'))).message, /must be followed by a string literal/);
    assert.match((await refusal(mapperIn(templates, 'computed', "{ claims: import ('lib/' + 'helper.libsonnet') }"))).message, /must be followed by a string literal/);
    const inline: MapperTemplate = { name: 'inline', source: "{ claims: import 'lib/helper.libsonnet' }", origin: 'base64://' };
    assert.match((await refusal(inline)).message, /a base64:\/\/ mapper cannot import files/);
  });

  it('ignores imports inside comments, strings and text blocks (as libjsonnet does)', async () => {
    const { templates } = layout();
    const source = [
      "// import '/etc/passwd'",
      "# importstr '/etc/shadow'",
      "/* import '/etc/passwd' */",
      '{',
      "  claims: {",
      "    a: 'import \"/etc/passwd\"',",
      '    b: "importstr \'/etc/passwd\'",',
      "    c: @'import ''/etc/passwd''',",
      '    d: |||',
      "      import '/etc/passwd'",
      '      |||  (still text: the line starts with the block indent)',
      '    |||,',
      "    e: 1 +/* import '/x' */2,",
      '  },',
      '}',
      '',
    ].join('\n');
    const template = mapperIn(templates, 'hidden', source);
    const sandboxed = await sandboxMapper(template);
    assert.equal(sandboxed.embeddableSource, source);
    const engine = await createClaimsMapper([template], testMapperOptions({ workers: 1 }));
    try {
      const mapped = await engine.map('hidden', session('x@example.org'), claims);
      assert.deepEqual(mapped, await createReferenceClaimsMapper([template]).map('hidden', session('x@example.org'), claims));
      assert.equal(mapped.d, "import '/etc/passwd'\n|||  (still text: the line starts with the block indent)\n");
    } finally {
      await engine.close();
    }
  });
});
