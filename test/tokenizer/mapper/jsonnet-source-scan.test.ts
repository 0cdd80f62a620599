// test-stores: none
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonnetImportSyntaxError, scanJsonnet } from '../../../src/tokenizer/mapper/jsonnet-source-scan.js';

const paths = (source: string): Array<[string, string, number]> => scanJsonnet(source).imports.map((i) => [i.keyword, i.path, i.line]);

describe('scanning Jsonnet sources for imports', () => {
  it('finds the three import keywords, with their paths, lines and literal offsets', () => {
    const source = "local a = import 'a.libsonnet';\nlocal b = importstr \"b.txt\";\nimportbin @'c.bin' + a + b";
    const scan = scanJsonnet(source);
    assert.deepEqual(paths(source), [
      ['import', 'a.libsonnet', 1],
      ['importstr', 'b.txt', 2],
      ['importbin', 'c.bin', 3],
    ]);
    assert.deepEqual(scan.imports.map((i) => source.slice(i.literalStart, i.literalEnd)), ["'a.libsonnet'", '"b.txt"', "@'c.bin'"]);
  });

  it('unescapes paths the way libjsonnet does', () => {
    assert.deepEqual(paths(String.raw`import "a\/b\u00e9\\c\"d"`), [['import', 'a/bé\\c"d', 1]]);
    assert.deepEqual(paths("import @'it''s'"), [['import', "it's", 1]]);
    assert.deepEqual(paths(String.raw`import "\ud83d\ude00"`), [['import', '😀', 1]]);
    assert.throws(() => scanJsonnet(String.raw`import "\ud83d"`), JsonnetImportSyntaxError);
    assert.throws(() => scanJsonnet(String.raw`import "\q"`), JsonnetImportSyntaxError);
  });

  it('sees imports after comments between the keyword and the path, and not in identifiers that merely start with import', () => {
    assert.deepEqual(paths("import /* here */ 'x'"), [['import', 'x', 1]]);
    assert.deepEqual(paths("importer + imports + 'import'"), []);
    assert.deepEqual(paths("1 +// comment\nimport 'y'"), [['import', 'y', 2]]);
    assert.deepEqual(paths("1 +/* c */ importstr 'z'"), [['importstr', 'z', 1]]);
  });

  it('skips comments, strings and text blocks exactly', () => {
    const source = [
      "// import 'a'",
      "# import 'b'",
      "/* import 'c'",
      "   import 'd' */",
      "{ s: 'import \"e\"', t: \"it's import 'f'\", v: @\"import \"\"g\"\"\",",
      '  block: |||',
      "    import 'h'",
      '      |||',
      "    import 'i'",
      '  |||,',
      "  real: import 'j' }",
    ].join('\n');
    assert.deepEqual(paths(source), [['import', 'j', 11]]);
  });

  it('refuses what libjsonnet refuses instead of guessing', () => {
    for (const source of ["import ('a')", 'import |||\n  a\n|||', "'unterminated", '/* open', '|||\nno indent\n|||', "local x = 1; import", '`']) {
      assert.throws(() => scanJsonnet(source), JsonnetImportSyntaxError, source);
    }
  });

  it('tells whether a source may reach std.extVar (conservatively)', () => {
    const reads = (source: string): boolean => scanJsonnet(source).mayReadExternalVariables;
    assert.equal(reads("{ a: std.length('x'), b: std.objectFields({}) }"), false);
    assert.equal(reads("// std.extVar('session')\n'std.extVar' + @'std[x]'"), false);
    assert.equal(reads("std.extVar('session')"), true);
    assert.equal(reads("std['extVar']('session')"), true);
    assert.equal(reads('local s = std; s.length([])'), true);
    assert.equal(reads('local f(x) = x; f(std)'), true);
    assert.equal(reads('{ extVar: 1 }'), true);
    assert.equal(reads('std'), true);
  });
});
