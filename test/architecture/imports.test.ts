// test-stores: none
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The layering of src/, read from the import statements themselves (type-only imports included, since they
 * couple modules as much as any other): no module imports itself back, the upstream OIDC library (src/oidc/)
 * knows nothing of the self-service flows that use it, storage is reached only through its interfaces, and the
 * domain records never depend on storage. docs/architecture.md describes the layers these rules keep apart.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const src = join(root, 'src');

/** What a file outside src/store/ may import from it: the Store interfaces and what they take, give and throw. */
const STORE_INTERFACE_MODULES = ['store/store.ts', 'store/types.ts', 'store/errors.ts'];
/** Runtime wiring that opens a store (and nothing else may): the process start and the CLI commands that need a database. */
const STORE_WIRING = { module: 'store/open-store.ts', importers: ['runtime/build-deps.ts', 'cli/cleanup-command.ts', 'cli/import-command.ts', 'cli/migrate-command.ts'] };
/**
 * The composition root: the Deps container every feature receives (deps.ts), the process entry (main.ts) and the
 * wiring that builds and serves it. They import every layer by design, so their imports are not layering edges.
 */
const COMPOSITION_ROOT = ['deps.ts', 'main.ts', 'runtime/build-deps.ts', 'runtime/serve.ts'];
/** The domain records: what every layer speaks, depending on no layer below. */
const DOMAIN_MODULES = ['identity/identity.ts', 'session/session.ts', 'selfservice/flow.ts', 'selfservice/flow-context.ts'];

type ImportGraph = Map<string, string[]>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return entry.endsWith('.ts') ? [path] : [];
  });
}

/** Every src/ file (relative to src/) with the src/ files it imports. */
function importGraph(): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of sourceFiles(src)) {
    const imported = ts
      .preProcessFile(readFileSync(file, 'utf8'), true, true)
      .importedFiles.map((ref) => ref.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => relative(src, resolve(dirname(file), name.replace(/\.js$/, '.ts'))));
    graph.set(relative(src, file), imported);
  }
  return graph;
}

/**
 * The import cycles, with each file seen as `nodeOf(file)` (itself, or e.g. its folder): each strongly connected set
 * of two or more nodes, as sorted names. The composition root's imports are left out.
 */
function importCycles(graph: ImportGraph, nodeOf: (file: string) => string): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const [file, imports] of graph) {
    if (COMPOSITION_ROOT.includes(file)) continue;
    const from = nodeOf(file);
    if (!edges.has(from)) edges.set(from, new Set());
    for (const target of imports) if (nodeOf(target) !== from) edges.get(from)!.add(nodeOf(target));
  }
  // Tarjan's strongly connected components.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

/** Imports of src/store/ files from outside it that are neither an interface module nor the allowed wiring. */
function storeLeaks(graph: ImportGraph): string[] {
  const leaks: string[] = [];
  for (const [file, imports] of graph) {
    if (file.startsWith('store/')) continue;
    for (const target of imports) {
      if (!target.startsWith('store/') || STORE_INTERFACE_MODULES.includes(target)) continue;
      if (target === STORE_WIRING.module && STORE_WIRING.importers.includes(file)) continue;
      leaks.push(`${file} -> ${target}`);
    }
  }
  return leaks;
}

/** The src/ files a module reaches through its imports, itself excluded, not passing through the composition root. */
function reachable(graph: ImportGraph, from: string): Set<string> {
  const seen = new Set<string>();
  const pending = [...(graph.get(from) ?? [])];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!COMPOSITION_ROOT.includes(file)) pending.push(...(graph.get(file) ?? []));
  }
  return seen;
}

describe('src/ import structure', () => {
  const graph = importGraph();

  it('reads the imports it judges (the rules below are not vacuous)', () => {
    assert.ok(graph.size > 100, `only ${graph.size} files found under src/`);
    assert.ok(graph.get('store/sqlite/sqlite-store.ts')?.includes('selfservice/flow.ts'), 'the SQLite store imports the flow record');
    assert.ok(graph.get('selfservice/login.ts')?.includes('selfservice/strategy/submit-to-strategy.ts'), 'login hands submits to a strategy');
  });

  it('has no import cycle between the modules of src/', () => {
    assert.deepEqual(importCycles(graph, (file) => file), []);
  });

  it('keeps src/oidc (the upstream library) free of the self-service flows', () => {
    const intoFlows = [...graph].filter(([file]) => file.startsWith('oidc/')).flatMap(([file, imports]) => imports.filter((t) => t.startsWith('selfservice/')).map((t) => `${file} -> ${t}`));
    assert.deepEqual(intoFlows, []);
  });

  it('reaches storage only through the Store interfaces, outside src/store/', () => {
    assert.deepEqual(storeLeaks(graph), []);
  });

  it('keeps the domain records independent of storage', () => {
    for (const domain of DOMAIN_MODULES) {
      assert.ok(graph.has(domain), `${domain} exists`);
      const intoStore = [...reachable(graph, domain)].filter((file) => file.startsWith('store/'));
      assert.deepEqual(intoStore, [], `${domain} reaches storage`);
    }
  });

  it('catches what it is meant to catch', () => {
    const bad: ImportGraph = new Map([
      ['oidc/a.ts', ['selfservice/b.ts']],
      ['selfservice/b.ts', ['http/c.ts']],
      ['http/c.ts', ['oidc/a.ts', 'store/sqlite/sqlite-store.ts']],
      ['store/sqlite/sqlite-store.ts', []],
    ]);
    assert.deepEqual(importCycles(bad, (file) => file), [['http/c.ts', 'oidc/a.ts', 'selfservice/b.ts']]);
    assert.deepEqual(storeLeaks(bad), ['http/c.ts -> store/sqlite/sqlite-store.ts']);
  });
});
