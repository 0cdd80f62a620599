// test-stores: none
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { loaderFlags } from '../../../src/runtime/loader-flags.js';

describe('mapper worker processes', () => {
  it("inherit the parent's module loader flags and nothing else", () => {
    assert.deepEqual(
      loaderFlags(['--require', '/x/preflight.cjs', '--import', 'file:///x/loader.mjs', '--test', '--test-reporter=spec', '--inspect=9229', '--import=tsx', '-r', 'y', '--enable-source-maps', '--max-old-space-size=100']),
      ['--require', '/x/preflight.cjs', '--import', 'file:///x/loader.mjs', '--import=tsx', '-r', 'y', '--enable-source-maps'],
    );
  });

  it('start from compiled JavaScript too (the worker module is found next to the pool module)', () => {
    // Transpile src/ into a scratch folder inside the repository (so node_modules and "type": "module" apply),
    // then run the engine with plain node: no tsx anywhere.
    const root = process.cwd();
    mkdirSync(join(root, '.tmp'), { recursive: true });
    const out = mkdtempSync(join(root, '.tmp', 'compiled-'));
    try {
      for (const file of walk(join(root, 'src'))) {
        if (!file.endsWith('.ts')) continue;
        const js = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true } }).outputText;
        const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, js);
      }
      const script = [
        `const { createClaimsMapper } = await import(${JSON.stringify(join(out, 'src/tokenizer/mapper/create-claims-mapper.js'))});`,
        `const mapper = await createClaimsMapper([{ name: 'a', source: "{ claims: { e: std.extVar('session').email } }", origin: 'base64://' }], { timeoutMs: 10000, workers: 1, cacheMaxEntries: 10, maxMemoryBytes: 1e9 });`,
        `console.log(JSON.stringify(await mapper.map('a', { email: 'compiled@example.org' }, {})));`,
        'await mapper.close();',
      ].join('\n');
      const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', execArgv: [], env: { ...process.env, NODE_OPTIONS: '' } } as Parameters<typeof execFileSync>[2] & { encoding: 'utf8' });
      assert.equal(output.trim(), '{"e":"compiled@example.org"}');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
