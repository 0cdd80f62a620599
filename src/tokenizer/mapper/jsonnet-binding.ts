import { createRequire } from 'node:module';

/**
 * The part of @hanazuki/node-jsonnet (libjsonnet 0.20) the engine uses. The package's own typings are not
 * reachable through its "exports" map under NodeNext resolution, so the surface is typed here.
 */
export type JsonnetPrimitive = null | boolean | number | string;
/** What a native callback may hand back to Jsonnet: JSON-like values, or a Promise of them. */
export type JsonnetNativeResult = JsonnetPrimitive | Promise<JsonnetPrimitive>;

export interface JsonnetVm {
  extCode(name: string, code: string): JsonnetVm;
  nativeCallback(name: string, fn: (...args: JsonnetPrimitive[]) => JsonnetNativeResult, ...params: string[]): JsonnetVm;
  evaluateSnippet(snippet: string, filename?: string): Promise<string>;
}

interface JsonnetModule {
  Jsonnet: new () => JsonnetVm;
}

const jsonnetModule = createRequire(import.meta.url)('@hanazuki/node-jsonnet') as JsonnetModule;

/** A fresh interpreter. Each `evaluateSnippet` builds its own libjsonnet VM on the libuv threadpool. */
export function newJsonnet(): JsonnetVm {
  return new jsonnetModule.Jsonnet();
}

/**
 * libjsonnet reads the snippet as a C string, so everything after a NUL character is invisible to it. Every
 * analysis of a source (the import sandbox) and every embedding of it (the evaluation loop) must see the same text.
 */
export function asLibjsonnetSees(source: string): string {
  const nul = source.indexOf('\0');
  return nul === -1 ? source : source.slice(0, nul);
}
