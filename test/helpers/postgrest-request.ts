import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import type { Pool } from 'pg';

/**
 * What PostgREST (v13+) does with a request, minus HTTP: verify the bearer token against `jwt-secret` (a JWKS,
 * kid matched exactly, only EdDSA, RS256/384/512 and ES256, 30 s skew), pick the role from `.role` or `db-anon-role`, then run
 * the query in one transaction after the per-request `set_config` statement of consumers.md §1.10.
 */
export interface PostgrestSettings {
  pool: Pool;
  /** `jwt-secret` / PGRST_JWT_SECRET: the JWKS JSON. */
  jwtSecret: string;
  anonRole: string;
  schema: string;
}

export class PostgrestRejection extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function postgrestQuery<Row extends Record<string, unknown>>(
  settings: PostgrestSettings,
  bearer: string | null,
  sql: string,
  parameters: unknown[] = [],
): Promise<Row[]> {
  let claims: Record<string, unknown> = {};
  if (bearer !== null) {
    try {
      const keys = createLocalJWKSet(JSON.parse(settings.jwtSecret) as JSONWebKeySet);
      ({ payload: claims } = await jwtVerify(bearer, keys, { algorithms: ['EdDSA', 'RS256', 'RS384', 'RS512', 'ES256'], clockTolerance: 30 }));
    } catch (error) {
      throw new PostgrestRejection('PGRST301', (error as Error).message);
    }
  }
  const role = typeof claims.role === 'string' ? claims.role : claims.role === undefined ? settings.anonRole : JSON.stringify(claims.role);
  const client = await settings.pool.connect();
  try {
    await client.query('begin');
    await client.query(
      `select set_config('search_path', $1, true), set_config('role', $2, true), set_config('request.jwt.claims', $3, true),
              set_config('request.method', 'GET', true), set_config('request.path', '/', true)`,
      [`"${settings.schema}"`, role, JSON.stringify({ ...claims, role })],
    );
    const result = await client.query<Row>(sql, parameters);
    await client.query('commit');
    return result.rows;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    const code = (error as { code?: string }).code;
    throw new PostgrestRejection(code ?? 'unknown', (error as Error).message);
  } finally {
    client.release();
  }
}
