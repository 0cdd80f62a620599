import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClaimsMapperOptions, MapperTemplate } from '../../src/tokenizer/claims-mapper.js';

export const MAPPER_FIXTURES = join(process.cwd(), 'test/fixtures/mappers');

/** A template read from test/fixtures/mappers (the path relative to that folder), named after it. */
export function fixtureTemplate(relativePath: string, name = relativePath.replace(/\W+/g, '-')): MapperTemplate {
  const origin = join(MAPPER_FIXTURES, relativePath);
  return { name, source: readFileSync(origin, 'utf8'), origin };
}

/**
 * Engine options for tests: generous bounds, because the machine is shared and a test must not fail on a slow
 * moment (tests that are about the bounds set their own).
 */
export function testMapperOptions(overrides: Partial<ClaimsMapperOptions> = {}): ClaimsMapperOptions {
  return { timeoutMs: 10_000, workers: 2, cacheMaxEntries: 1000, maxMemoryBytes: 1024 * 1024 * 1024, ...overrides };
}

/** Runs a call and returns either its value or the KratosError JSON it rejected with, so both paths compare. */
export async function settle<T>(call: Promise<T>): Promise<{ ok: T } | { error: unknown }> {
  try {
    return { ok: await call };
  } catch (error) {
    const json = (error as { toJSON?: () => unknown }).toJSON?.();
    if (json === undefined) throw error;
    return { error: json };
  }
}
