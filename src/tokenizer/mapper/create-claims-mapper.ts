import type { ClaimsMapper, ClaimsMapperOptions, MapperTemplate } from '../claims-mapper.js';
import { sandboxMapper } from './import-sandbox.js';
import { buildLoopProgram } from './loop-program.js';
import { PooledClaimsMapper } from './pooled-claims-mapper.js';
import { passesStaticCheck } from './static-check.js';
import { WorkerPool } from './worker-pool.js';

/**
 * Steps (of up to MAX_STEP_BATCH inputs) one loop evaluation serves before a fresh one (already built, see
 * worker-evaluator.ts) takes over: 5,000 to 40,000 inputs.
 */
const LOOP_STEPS = 5_000;

/**
 * Builds the claims mapper engine for the configured templates (see docs/performance.md):
 *  1. the import sandbox checks every mapper and the files it imports; a violation throws a ConfigError naming
 *     the template, the file and the reason, which stops the start;
 *  2. each mapper that passes libjsonnet's static check joins one shared evaluation-loop program; the others
 *     (a static error, which each request then reports as Kratos would, or imported files that read external
 *     variables themselves) are served by plain evaluation in the workers;
 *  3. `workers` processes are started, and this resolves once all of them are ready.
 */
export function createClaimsMapper(templates: MapperTemplate[], options: ClaimsMapperOptions): Promise<ClaimsMapper> {
  return startClaimsMapperEngine(templates, options, LOOP_STEPS);
}

/** createClaimsMapper with the loop length exposed, so tests can make loops end and hand over every few steps. */
export async function startClaimsMapperEngine(templates: MapperTemplate[], options: ClaimsMapperOptions, loopSteps: number): Promise<PooledClaimsMapper> {
  const sandboxed = await Promise.all(templates.map((template) => sandboxMapper(template)));
  const loopEligible = await Promise.all(
    sandboxed.map(async (mapper, i) => !mapper.importsReadExternalVariables && (await passesStaticCheck(mapper.embeddableSource, (templates[i] as MapperTemplate).origin))),
  );
  const program = buildLoopProgram(
    sandboxed.map((mapper, i) => ({ origin: (templates[i] as MapperTemplate).origin, embeddableSource: loopEligible[i] ? mapper.embeddableSource : null })),
    { trackClaims: options.cacheMaxEntries > 0, iterations: loopSteps },
  );
  const pool = await WorkerPool.start({
    workers: options.workers,
    timeoutMs: options.timeoutMs,
    maxMemoryBytes: options.maxMemoryBytes,
    init: { program, templates: sandboxed.map((mapper, i) => ({ source: mapper.source, origin: (templates[i] as MapperTemplate).origin })) },
  });
  return new PooledClaimsMapper(
    templates.map((template, i) => ({ name: template.name, plain: !loopEligible[i] })),
    pool,
    options.cacheMaxEntries,
  );
}
