import { unknownTemplate } from '../../errors/kratos-error.js';
import { sessionText, type ClaimsMapper, type SessionDocument } from '../claims-mapper.js';
import { claimsOf, type EvaluationResult } from './mapper-outcome.js';
import { BoundedLru } from '../../cache/bounded-lru.js';
import { deepFreeze } from '../../cache/deep-freeze.js';
import { sha256 } from '../../text/sha256.js';
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
  /** Memo keys of recent session texts, per (template, claims key set): see memoKey. */
  private readonly recentDigests = new Map<string, { prefix: string; digests: BoundedLru<string> }>();
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

    const key = this.memoKey(templateName, claims, sessionJson);
    const cached = this.cache.get(key);
    if (cached) return cached.copyOfClaims();

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

  memoized(templateName: string, session: SessionDocument, claims: Record<string, unknown>): Record<string, unknown> | undefined {
    const template = this.templates.get(templateName);
    if (!template || !this.cache || template.plain) return undefined;
    return this.cache.get(this.memoKey(templateName, claims, sessionText(session)))?.claims();
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  /**
   * SHA-256 of the template, the claims' key set and the exact session JSON: a fixed-size key, so the cache's
   * memory is bounded by its entry count and the (small) outputs, not by session sizes. Digests of recent session
   * texts are remembered: whoami hands over the same string for an unchanged session, and a Map finds it by the
   * hash V8 keeps with the string, where the digest costs ~2 µs per call.
   */
  private memoKey(template: string, claims: Record<string, unknown>, sessionJson: string): string {
    // Claims come with their keys in one order (token-claims.ts), so the unsorted list finds the entry.
    const keys = `${template}\0${Object.keys(claims).join('\0')}`;
    let recent = this.recentDigests.get(keys);
    if (!recent) {
      recent = { prefix: `${template}\0${Object.keys(claims).sort().join('\0')}\0\0`, digests: new BoundedLru(RECENT_DIGESTS) };
      this.recentDigests.set(keys, recent);
    }
    let key = recent.digests.get(sessionJson);
    if (key === undefined) {
      key = sha256(recent.prefix + sessionJson, 'base64');
      if (sessionJson.length <= RECENT_DIGEST_MAX_TEXT) recent.digests.set(sessionJson, key);
    }
    return key;
  }
}

/** Session texts whose memo key is remembered, per template and key set; only texts up to this size. */
const RECENT_DIGESTS = 1024;
const RECENT_DIGEST_MAX_TEXT = 16 * 1024;

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

  /**
   * The claims, shared and deep-frozen (callers copy members out, see ClaimsMapper.memoized), or (for a mapper that
   * failed on this session) a fresh error each time, as claimsOf throws it.
   */
  claims(): Record<string, unknown> {
    return this.parsed ?? claimsOf(this.result);
  }

  /** The claims as `map` answers them: a fresh copy each time, which callers may change. */
  copyOfClaims(): Record<string, unknown> {
    return this.parsed ? structuredClone(this.parsed) : claimsOf(this.result);
  }
}

