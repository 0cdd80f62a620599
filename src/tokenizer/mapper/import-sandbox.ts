import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, sep } from 'node:path';
import { ConfigError } from '../../config/config-error.js';
import type { MapperTemplate } from '../claims-mapper.js';
import { asLibjsonnetSees } from './jsonnet-binding.js';
import { JsonnetImportSyntaxError, scanJsonnet, type ImportReference, type JsonnetSourceScan } from './jsonnet-source-scan.js';

/**
 * The import sandbox (docs/performance.md, "The import sandbox"): a mapper reads no file outside its own folder,
 * and a `base64://` mapper reads none at all. node-jsonnet has no importer hook, and libjsonnet resolves imports itself (absolute paths, and a
 * fallback to /usr/share/jsonnet-*), so the rule is enforced statically at start: every import, in the mapper and
 * recursively in every Jsonnet file it imports, must name an existing regular file whose real path (symlinks
 * resolved by the kernel) lies inside the real path of the mapper's folder. A refusal is a ConfigError naming
 * the template, the file and the reason, so the service does not start.
 *
 * Files are checked as they are at start; libjsonnet reads imported files when it evaluates, so the folder is
 * trusted not to change underneath a running service (as the mapper file itself is).
 */
export interface SandboxedMapper {
  /** The source libjsonnet evaluates (cut at a NUL, as libjsonnet reads it). */
  source: string;
  /**
   * The same source with every import literal replaced by the absolute path libjsonnet would have computed
   * from the mapper's own location, so the mapper can be embedded in another file (the evaluation loop) and
   * still import exactly the same files.
   */
  embeddableSource: string;
  /**
   * Whether a Jsonnet file the mapper imports may read `std.extVar` itself. libjsonnet evaluates an imported
   * file once per VM and caches it, so inside the long-running loop such a file would see the first input's
   * session forever: these mappers are served by plain evaluation (a fresh VM per input), as Kratos does.
   */
  importsReadExternalVariables: boolean;
}

export async function sandboxMapper(template: MapperTemplate): Promise<SandboxedMapper> {
  const source = asLibjsonnetSees(template.source);
  const refuse = (reason: string): ConfigError =>
    new ConfigError(null, `session.whoami.tokenizer.templates.${template.name}.claims_mapper_url`, `template "${template.name}", mapper ${template.origin}: ${reason}`);

  const { imports } = scanOf(source, template.origin, refuse);
  if (imports.length === 0) return { source, embeddableSource: source, importsReadExternalVariables: false };

  const fromFile = template.origin.startsWith('/');
  if (!fromFile) {
    throw refuse(`${describe(imports[0] as ImportReference, 'the mapper')} is not allowed: a base64:// mapper cannot import files`);
  }
  const folder = await realpath(dirname(template.origin)).catch(() => null);
  if (folder === null) throw refuse(`its folder ${dirname(template.origin)} cannot be resolved`);

  const visited = new Set<string>([template.origin]);
  let importsReadExternalVariables = false;
  const check = async (importerPath: string, references: ImportReference[], importerLabel: string): Promise<void> => {
    for (const reference of references) {
      const what = describe(reference, importerLabel);
      if (reference.path === '') throw refuse(`${what}: the empty string is not a valid file name`);
      const target = libjsonnetImportPath(importerPath, reference.path);
      // fs.promises.realpath is the kernel's realpath(3): `..` after a symlinked folder goes where the kernel
      // goes, not where a textual normalization would.
      const real = await realpath(target).catch(() => null);
      if (real === null) throw refuse(`${what}: ${target} does not exist or cannot be resolved`);
      if (real !== folder && !real.startsWith(folder + sep)) {
        throw refuse(`${what} resolves to ${real}, outside the mapper's folder ${folder}`);
      }
      if (!(await stat(real)).isFile()) throw refuse(`${what}: ${real} is not a regular file`);
      if (reference.keyword === 'import' && !visited.has(target)) {
        visited.add(target);
        const scan = scanOf(asLibjsonnetSees(await readFile(target, 'utf8')), target, refuse);
        if (scan.mayReadExternalVariables) importsReadExternalVariables = true;
        await check(target, scan.imports, target);
      }
    }
  };
  await check(template.origin, imports, 'the mapper');

  return { source, embeddableSource: rewriteImportLiterals(source, template.origin, imports), importsReadExternalVariables };
}

/** Where libjsonnet looks for `path` imported from `importerPath` (vm.cpp dir_name + try_path, no normalization). */
function libjsonnetImportPath(importerPath: string, path: string): string {
  if (path.startsWith('/')) return path;
  return importerPath.slice(0, importerPath.lastIndexOf('/') + 1) + path;
}

function rewriteImportLiterals(source: string, origin: string, imports: ImportReference[]): string {
  let out = '';
  let cursor = 0;
  for (const reference of imports) {
    // A JSON string is a valid Jsonnet double-quoted string with the same escapes.
    out += source.slice(cursor, reference.literalStart) + JSON.stringify(libjsonnetImportPath(origin, reference.path));
    cursor = reference.literalEnd;
  }
  return out + source.slice(cursor);
}

function scanOf(source: string, file: string, refuse: (reason: string) => ConfigError): JsonnetSourceScan {
  try {
    return scanJsonnet(source);
  } catch (error) {
    if (error instanceof JsonnetImportSyntaxError) throw refuse(`${file} cannot be checked for imports: ${error.message}`);
    throw error;
  }
}

function describe(reference: ImportReference, importer: string): string {
  return `${reference.keyword} ${JSON.stringify(reference.path)} (${importer}, line ${reference.line})`;
}
