// Runs every test file with node's test runner (through tsx); each pass ends with node's summary
// (ℹ tests / ℹ pass / ℹ fail), and the run with the totals of all passes. Node 20 has no glob support for
// --test, so the files are listed here.
//
// Two passes: every file on SQLite (the default store), then the files that run on both stores again with
// TEST_DSN_DIALECT=postgres, which makes testConfig() hand out a fresh PostgreSQL database (see
// test/helpers/postgres-cluster.ts). TEST_DIALECTS=sqlite (or postgres) runs one pass only.
//
// Every test file declares which stores it runs on, in a line of its own:
//   // test-stores: both       its store comes from testConfig() and follows the pass: it runs in both passes
//   // test-stores: sqlite     it tests SQLite itself (a file, a process on a file): first pass only
//   // test-stores: postgres   it tests PostgreSQL itself (test/postgres/): first pass only
//   // test-stores: none       no store at all: first pass only
// A file that declares nothing (or something else) stops the run before any test starts, and testConfig()
// refuses to hand a pass-following store to a file not declared `both` (test/helpers/config.ts): a store test
// cannot silently skip PostgreSQL.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);

function collect(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...collect(path));
    else if (entry.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const allFiles = collect(join(root, 'test'))
  .map((file) => relative(root, file))
  .sort();
const files = allFiles.filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)));

if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const STORES = ['both', 'sqlite', 'postgres', 'none'];
const declared = new Map(allFiles.map((file) => [file, /^\/\/ test-stores: (\S+)\s*$/m.exec(readFileSync(join(root, file), 'utf8'))?.[1]]));
const undeclared = allFiles.filter((file) => !STORES.includes(declared.get(file)));
if (undeclared.length > 0) {
  console.error(`these test files do not declare their stores with a line "// test-stores: ${STORES.join('|')}" (see test/run.mjs):`);
  for (const file of undeclared) console.error(`  ${file}${declared.get(file) ? ` (declares "${declared.get(file)}")` : ''}`);
  process.exit(1);
}
const onBothStores = files.filter((file) => declared.get(file) === 'both');

const dialects = (process.env.TEST_DIALECTS ?? 'sqlite,postgres').split(',').map((d) => d.trim());
const passes = [
  { dialect: 'sqlite', label: 'store on SQLite (and the PostgreSQL-only tests)', files },
  { dialect: 'postgres', label: 'store on PostgreSQL', files: onBothStores },
].filter((pass) => dialects.includes(pass.dialect) && pass.files.length > 0);

const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const reports = join(root, '.tmp', 'test-reports');
mkdirSync(reports, { recursive: true });
const totals = { tests: 0, pass: 0, fail: 0 };
let failed = false;

for (const pass of passes) {
  console.log(`\n# ${pass.label}: ${pass.files.length} file(s)\n`);
  const tap = join(reports, `${pass.dialect}.tap`);
  rmSync(tap, { force: true });
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, `--test-concurrency=${concurrency}`, ...pass.files],
    { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test', TEST_DSN_DIALECT: pass.dialect, TEST_FILES_ON_BOTH_STORES: onBothStores.join('\n') } },
  );
  if (result.status !== 0) failed = true;
  const summary = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  for (const key of Object.keys(totals)) totals[key] += Number(summary.match(new RegExp(`^# ${key} (\\d+)$`, 'm'))?.[1] ?? 0);
}

if (passes.length > 1) {
  console.log(`\nℹ all passes (${passes.map((p) => p.dialect).join(' + ')}): tests ${totals.tests}, pass ${totals.pass}, fail ${totals.fail}`);
}
process.exit(failed ? 1 : 0);
