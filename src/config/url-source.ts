import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where a config value such as `jwks_url`, `claims_mapper_url` or an identity schema `url` points to.
 * Kratos accepts `file://` and `base64://` for these; relative file paths are resolved against the
 * folder of kratos.yml so that a config can be moved together with its files.
 */
export type UrlSource =
  | { kind: 'file'; path: string; url: string }
  | { kind: 'base64'; content: string; url: string };

export function parseUrlSource(url: string, baseDir: string, allowed: ReadonlyArray<'file' | 'base64'> = ['file', 'base64']): UrlSource {
  if (url.startsWith('base64://')) {
    if (!allowed.includes('base64')) throw new Error(`scheme base64:// is not allowed here (allowed: ${allowed.join(', ')})`);
    const encoded = url.slice('base64://'.length);
    if (!/^[A-Za-z0-9+/=_-]*$/.test(encoded)) throw new Error('base64:// value is not valid base64');
    return { kind: 'base64', content: Buffer.from(encoded, 'base64').toString('utf8'), url };
  }
  if (url.startsWith('file://')) {
    if (!allowed.includes('file')) throw new Error(`scheme file:// is not allowed here (allowed: ${allowed.join(', ')})`);
    const rest = url.slice('file://'.length);
    // file:///abs/path is absolute; file://relative/path (Kratos style) is relative to kratos.yml.
    const path = rest.startsWith('/') ? fileURLToPath(`file://${rest}`) : resolve(baseDir, decodeURIComponent(rest));
    return { kind: 'file', path, url };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    const scheme = url.slice(0, url.indexOf(':'));
    throw new Error(`unsupported scheme "${scheme}://" (allowed: ${allowed.map((s) => `${s}://`).join(', ')})`);
  }
  // A bare path is accepted as a convenience and treated like file://.
  if (!allowed.includes('file')) throw new Error(`expected a URL with scheme ${allowed.join(' or ')}`);
  return { kind: 'file', path: isAbsolute(url) ? url : resolve(baseDir, url), url };
}

export function sourceDescription(source: UrlSource): string {
  return source.kind === 'file' ? source.path : 'base64:// value';
}

export async function readUrlSource(source: UrlSource): Promise<string> {
  return source.kind === 'file' ? readFile(source.path, 'utf8') : source.content;
}

export function readUrlSourceSync(source: UrlSource): string {
  return source.kind === 'file' ? readFileSync(source.path, 'utf8') : source.content;
}
