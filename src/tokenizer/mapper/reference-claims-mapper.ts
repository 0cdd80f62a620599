import { unknownTemplate } from '../../errors/kratos-error.js';
import { sessionText, type ClaimsMapper, type MapperTemplate } from '../claims-mapper.js';
import { claimsOf } from './mapper-outcome.js';
import { evaluatePlainly } from './plain-evaluation.js';

/**
 * The plain, unoptimized engine: one fresh Jsonnet VM per call, in this process, with no timeout, no sandbox and
 * no cache. It is the definition of correct output: the pooled engine is tested against it. Do not serve traffic
 * with it (a mapper that never ends would hold a threadpool thread forever).
 */
export function createReferenceClaimsMapper(templates: MapperTemplate[]): ClaimsMapper {
  const byName = new Map(templates.map((template) => [template.name, template]));
  return {
    async map(templateName, session, claims) {
      const template = byName.get(templateName);
      if (!template) throw unknownTemplate(templateName);
      return claimsOf(await evaluatePlainly(template.source, template.origin, sessionText(session), JSON.stringify(claims)));
    },
    async close() {},
  };
}
