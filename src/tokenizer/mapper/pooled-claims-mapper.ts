import { createHash } from 'node:crypto';
import { unknownTemplate } from '../../errors/kratos-error.js';
import { sessionText, type ClaimsMapper, type SessionDocument } from '../claims-mapper.js';
import { claimsOf, type EvaluationResult } from './mapper-outcome.js';
import { BoundedLru } from '../../cache/bounded-lru.js';
import { deepFreeze } from '../../cache/deep-freeze.js';
import type { PoolOutcome, WorkerPool } from './worker-pool.js';

export interface PooledTemplate {
  name: string;
  /** Served by plain evaluation in a worker (its source cannot join the shared loop, see static-check.ts). */
  plain: boolean;
}

/**
 * The production ClaimsMapper: memoized outputs in front of the worker pool.
 *
 * Memoization is sound by proof, per evaluation: the loop hands the mapper a `claims` whose every value, when
 * forced, reports it (loop-program.ts). Jsonnet is pure and lazy, so an evaluation that forced no claims value
 * computed a function of the session alone (and of the claims' key set, which is part of the key), and its result
 * is cached under (template, claims keys, exact session JSON). A changed session (traits, metadata, state, expiry,
 * anything in its JSON) is a different key, so it is reflected on the very next call. Mappers that read claims
 * (e.g. Kratos's test mapper reads `claims.exp`) are simply never cached, at no extra cost: no probe evaluation,
 * no worker restart.
 */
export class PooledClaimsMapper implements ClaimsMapper {
  private readonly templates: Map<string, { index: number; plain: boolean }>;
  private readonly cache: BoundedLru<MemoizedOutcome> | null;
  /** Evaluations under way per memo key, so a burst for one session waits for one evaluation rather than N. */
  private readonly inFlight = new Map<string, Promise<PoolOutcome>>();

  constructor(
    templates: PooledTemplate[],
    private readonly pool: WorkerPool,
    cacheMaxEntries: number,
  ) {
    this.templates = new Map(templates.map((template, index) => [template.name, { index, plain: template.plain }]));
    this.cache = cacheMaxEntries > 0 ? new BoundedLru(cacheMaxEntries) : null;
  }

  /** Process ids of the evaluation workers (for tests and the benchmark's memory figure). */
  get workerPids(): number[] {
    return this.pool.workerPids;
  }

  /** Entries in the memo cache (for tests and the benchmark). */
  get cachedEntries(): number {
    return this.cache?.size ?? 0;
  }

  async map(templateName: string, session: SessionDocument, claims: Record<string, unknown>): Promise<Record<string, unknown>> {
    const template = this.templates.get(templateName);
    if (!template) throw unknownTemplate(templateName);
    const sessionJson = sessionText(session);
    if (!this.cache || template.plain) {
      return claimsOf((await this.pool.evaluate(template.index, sessionJson, JSON.stringify(claims), template.plain)).result);
    }

    const key = memoKey(templateName, claims, sessionJson);
    const cached = this.cache.get(key);
    if (cached) return cached.claims();

    const earlier = this.inFlight.get(key);
    if (earlier) {
      const outcome = await earlier;
      if (!outcome.claimsRead) return claimsOf(outcome.result);
    }

    const evaluation = this.pool.evaluate(template.index, sessionJson, JSON.stringify(claims), false);
    if (!earlier) this.inFlight.set(key, evaluation);
    let outcome: PoolOutcome;
    try {
      outcome = await evaluation;
    } finally {
      if (this.inFlight.get(key) === evaluation) this.inFlight.delete(key);
    }
    if (!outcome.claimsRead) this.cache.set(key, new MemoizedOutcome(outcome.result));
    return claimsOf(outcome.result);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * A cached evaluation, with its claims parsed once: a hit costs no JSON.parse. The claims object is frozen, deep,
 * because every hit hands out the same one (callers copy its members into fresh token claims, never mutate it).
 */
class MemoizedOutcome {
  private readonly parsed: Record<string, unknown> | null;

  constructor(private readonly result: EvaluationResult) {
    try {
      this.parsed = deepFreeze(claimsOf(result));
    } catch {
      this.parsed = null;
    }
  }

  /** The claims, or (for a mapper that failed on this session) a fresh error each time, as claimsOf throws it. */
  claims(): Record<string, unknown> {
    return this.parsed ?? claimsOf(this.result);
  }
}


/**
 * SHA-256 of the template, the claims' key set and the exact session JSON: a fixed-size key, so the cache's
 * memory is bounded by its entry count and the (small) outputs, not by session sizes.
 */
function memoKey(template: string, claims: Record<string, unknown>, sessionJson: string): string {
  return createHash('sha256').update(template).update('\0').update(Object.keys(claims).sort().join('\0')).update('\0\0').update(sessionJson).digest('base64');
}
