// test-stores: none
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { configSchema } from '../../src/config/schema.js';

/**
 * docs/configuration.md is the reference of kratos.yml: every key the schema accepts has a row there, and a
 * default the docs write as a literal is the schema's default (README's table too), so the docs cannot drift from
 * the schema again.
 */
interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  patternProperties?: Record<string, SchemaNode>;
  default?: unknown;
}

/** Every key a user can set, with `[]` for list items and `<name>` for map entries, and its schema default. */
function schemaKeys(): Map<string, unknown> {
  const keys = new Map<string, unknown>();
  const walk = (node: SchemaNode, path: string): void => {
    if (node.type === 'object' && node.properties) {
      for (const [key, child] of Object.entries(node.properties)) walk(child, path ? `${path}.${key}` : key);
    } else if (node.type === 'array' && node.items?.properties) {
      keys.set(path, node.default);
      for (const [key, child] of Object.entries(node.items.properties)) walk(child, `${path}[].${key}`);
    } else if (node.type === 'object' && node.patternProperties && Object.values(node.patternProperties)[0]?.properties) {
      for (const child of Object.values(node.patternProperties)) walk(child, `${path}.<name>`);
    } else {
      keys.set(path, node.default);
    }
  };
  walk(configSchema as SchemaNode, '');
  return keys;
}

interface Row {
  /** The keys of the first cell: `a.b.c` / `d` / `e.f` names a.b.c, a.b.d and a.e.f. */
  keys: string[];
  /** The default cell, split the same way. */
  defaults: string[];
  text: string;
}

function tableRows(file: string): Row[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [first = '', second = ''] = line.split('|').slice(1).map((cell) => cell.trim());
      const names = first.split(' / ').map((part) => part.replace(/`/g, '').trim());
      const base = (names[0] ?? '').split('.');
      // `allowed_return_urls[]` names the list itself, as the schema walk does for a list of values.
      const keys = names.map((name, index) => (index === 0 ? name : [...base.slice(0, base.length - name.split('.').length), name].join('.'))).map((key) => key.replace(/\[\]$/, ''));
      return { keys, defaults: second.split(' / ').map((cell) => cell.trim()), text: line };
    });
}

describe('docs/configuration.md', () => {
  const rows = tableRows('docs/configuration.md');
  const keys = schemaKeys();

  it('has a row for every key the schema accepts', () => {
    const documented = (key: string): boolean =>
      rows.some(
        (row) =>
          row.keys.includes(key) ||
          // Fields of a list item or a map entry, named in the row of the list or the map.
          row.keys.some((k) => (key.startsWith(`${k}[].`) || (k.endsWith('<name>') && key.startsWith(`${k}.`))) && row.text.includes(key.slice(key.lastIndexOf('.') + 1))) ||
          // A window of tessera.rate_limits: `limit` and `window` of the row's key.
          row.keys.some((k) => key.startsWith(`${k}.`) && row.text.includes(`\`${key.slice(k.length + 1)}\``)),
      );
    const missing = [...keys.keys()].filter((key) => !documented(key));
    assert.deepEqual(missing, [], 'keys without a row in docs/configuration.md');
  });

  it('writes the schema\'s defaults, here and in README\'s table', () => {
    const literal = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
    let compared = 0;
    for (const file of ['docs/configuration.md', 'README.md']) {
      for (const row of tableRows(file)) {
        if (row.keys.length !== row.defaults.length) continue;
        row.keys.forEach((key, index) => {
          const documented = /^`([^`]*)`$/.exec(row.defaults[index] ?? '')?.[1];
          const schemaDefault = keys.get(key);
          if (documented === undefined || schemaDefault === undefined || documented.includes('<')) return;
          if (typeof schemaDefault === 'object' && !(Array.isArray(schemaDefault) && schemaDefault.length === 0)) return;
          assert.equal(documented, literal(schemaDefault), `${file}: default of ${key}`);
          compared += 1;
        });
      }
    }
    assert.ok(compared > 40, `compared ${compared} defaults`);
  });
});
