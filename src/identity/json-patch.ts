import { TesseraError } from '../errors/tessera-error.js';

/**
 * RFC 6902 JSON Patch as Kratos applies it to identities (oryx/jsonx/patch.go): only `add`, `remove` and
 * `replace` are accepted (Kratos considers the others buggy in its library), paths matching a deny-list of globs
 * are refused before anything is applied, `replace` of a missing object member behaves like `add`, and `add`
 * creates missing parent objects. The input document is never modified.
 */
export interface JsonPatchOperation {
  op: string;
  path: string;
  value?: unknown;
}

export class JsonPatchError extends TesseraError {
  static override readonly code = 'ERR_JSON_PATCH';
  override readonly code = JsonPatchError.code;
}

const SUPPORTED = new Set(['add', 'remove', 'replace']);

/** Checks that `raw` is a list of operations with string `op` and `path`; throws JsonPatchError otherwise. */
export function parsePatchDocument(raw: unknown): JsonPatchOperation[] {
  if (!Array.isArray(raw)) throw new JsonPatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  return raw.map((entry, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new JsonPatchError(`operation ${index} is not an object`);
    const op = (entry as Record<string, unknown>).op;
    const path = (entry as Record<string, unknown>).path;
    if (typeof op !== 'string') throw new JsonPatchError(`operation ${index} has no "op"`);
    if (typeof path !== 'string') throw new JsonPatchError(`operation ${index} has no "path"`);
    return { op, path, ...('value' in entry ? { value: (entry as Record<string, unknown>).value } : {}) };
  });
}

export function applyJsonPatch<T>(document: T, operations: readonly JsonPatchOperation[], denyGlobs: readonly string[]): T {
  const deny = denyGlobs.map((glob) => globToRegExp(glob.toLowerCase()));
  for (const operation of operations) {
    if (!SUPPORTED.has(operation.op)) throw new JsonPatchError(`unsupported operation: ${operation.op}`);
    if (deny.some((pattern) => pattern.test(operation.path.toLowerCase()))) throw new JsonPatchError(`patch includes denied path: ${operation.path}`);
  }
  let result = structuredClone(document) as unknown;
  for (const operation of operations) {
    if (!('value' in operation) && operation.op !== 'remove') throw new JsonPatchError(`${operation.op} operation does not apply: missing value for path ${operation.path}`);
    result = applyOne(result, operation);
  }
  return result as T;
}

function applyOne(root: unknown, operation: JsonPatchOperation): unknown {
  const tokens = parsePointer(operation.path);
  if (tokens.length === 0) {
    if (operation.op === 'remove') throw new JsonPatchError('cannot remove the whole document');
    return structuredClone(operation.value);
  }
  const last = tokens[tokens.length - 1] as string;
  const parent = resolveParent(root, tokens.slice(0, -1), operation.op === 'add' || operation.op === 'replace', operation.path);
  if (Array.isArray(parent)) {
    applyToArray(parent, last, operation);
  } else {
    const object = parent as Record<string, unknown>;
    if (operation.op === 'remove') {
      if (!Object.hasOwn(object, last)) throw new JsonPatchError(`error in remove for path: '${operation.path}': missing value`);
      delete object[last];
    } else {
      // `replace` of a missing member is an `add` here, as Kratos makes it.
      object[last] = structuredClone(operation.value);
    }
  }
  return root;
}

function applyToArray(array: unknown[], token: string, operation: JsonPatchOperation): void {
  if (token === '-') {
    if (operation.op !== 'add') throw new JsonPatchError(`${operation.op} operation does not apply: "-" is only valid for add`);
    array.push(structuredClone(operation.value));
    return;
  }
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new JsonPatchError(`invalid array index "${token}" in path ${operation.path}`);
  const index = Number(token);
  if (operation.op === 'add') {
    if (index > array.length) throw new JsonPatchError(`add operation does not apply: index ${index} is out of bounds for path ${operation.path}`);
    array.splice(index, 0, structuredClone(operation.value));
    return;
  }
  if (index >= array.length) throw new JsonPatchError(`${operation.op} operation does not apply: index ${index} is out of bounds for path ${operation.path}`);
  if (operation.op === 'remove') array.splice(index, 1);
  else array[index] = structuredClone(operation.value);
}

function resolveParent(root: unknown, tokens: readonly string[], createMissing: boolean, path: string): object {
  let current = root;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      const index = Number(token);
      if (!/^(0|[1-9][0-9]*)$/.test(token) || index >= current.length) throw new JsonPatchError(`path ${path} does not exist`);
      current = current[index];
      continue;
    }
    if (typeof current !== 'object' || current === null) throw new JsonPatchError(`path ${path} does not exist`);
    const object = current as Record<string, unknown>;
    if (!Object.hasOwn(object, token) || object[token] === null) {
      if (!createMissing) throw new JsonPatchError(`path ${path} does not exist`);
      object[token] = {};
    }
    current = object[token];
  }
  if (typeof current !== 'object' || current === null) throw new JsonPatchError(`path ${path} does not exist`);
  return current;
}

/** RFC 6901: `/a/b~1c` → ["a", "b/c"]. */
function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** gobwas/glob with `/` as separator: `*` stays within a segment, `**` crosses segments. */
function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        source += '.*';
        i++;
      } else source += '[^/]*';
    } else source += ch.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
