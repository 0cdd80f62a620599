import { createRequire } from 'node:module';
import { badRequest } from '../../errors/kratos-error.js';
import type { ClaimsMapper, ClaimsMapperOptions, MapperTemplate } from '../claims-mapper.js';

// The package's typings are not reachable through its "exports" under NodeNext; the little used here is typed locally.
interface JsonnetVm {
  extCode(name: string, code: string): JsonnetVm;
  evaluateSnippet(snippet: string, filename?: string): Promise<string>;
}
const { Jsonnet } = createRequire(import.meta.url)('@hanazuki/node-jsonnet') as { Jsonnet: new () => JsonnetVm };

/**
 * PLACEHOLDER engine, replaced at merge by the real one (worker pool, timeouts, import sandbox, memoization,
 * batching). It exists so that the tokenizer can be developed and tested against the ClaimsMapper contract:
 * one in-process Jsonnet VM per call, no timeout, no sandbox. Do not build on anything beyond the interface.
 */
export async function createClaimsMapper(templates: MapperTemplate[], _options: ClaimsMapperOptions): Promise<ClaimsMapper> {
  const byName = new Map(templates.map((template) => [template.name, template]));
  return {
    async map(templateName, session, claims) {
      const template = byName.get(templateName);
      if (!template) throw badRequest(`Unable to find tokenizer template "${templateName}".`);
      let output: string;
      try {
        output = await new Jsonnet()
          .extCode('session', JSON.stringify(session))
          .extCode('claims', JSON.stringify(claims))
          .evaluateSnippet(template.source, template.origin);
      } catch (error) {
        throw badRequest('Unable to execute tokenizer JsonNet.', { details: { error: (error as Error).message } });
      }
      const evaluated = JSON.parse(output) as unknown;
      const mapped = isObject(evaluated) ? evaluated.claims : undefined;
      if (!isObject(mapped)) throw badRequest('Expected tokenizer JsonNet to return a claims object but it did not.');
      return mapped;
    },
    async close() {},
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
