import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../src/config/types.js';
import type { SessionTokenizer } from '../src/deps.js';
import { badRequest } from '../src/errors/kratos-error.js';
import type { SessionWithIdentity } from '../src/store/types.js';
import type { ClaimsMapper } from '../src/tokenizer/claims-mapper.js';
import { createClaimsMapper } from '../src/tokenizer/mapper/create-claims-mapper.js';

/**
 * Used by the benchmark only while the tokenizer (another branch) is not merged: `buildRuntime` then leaves
 * `deps.tokenizer` null. It does what the tokenizer does on the hot path (kratos.md §1.1: default claims, the
 * mapper through the real engine, merge, `sub` restored, EdDSA signature with a KeyObject made once and the header
 * precomputed), so cases B and C exercise the engine behind the real whoami route. The benchmark says in its
 * output which tokenizer ran.
 */
export async function standInTokenizer(config: Config, mapperSource: string, mapperOrigin: string): Promise<{ tokenizer: SessionTokenizer; mapper: ClaimsMapper }> {
  const template = config.session.tokenizerTemplates.get('postgrest');
  if (!template) throw new Error('the benchmark config has no postgrest template');
  const jwk = (JSON.parse(readFileSync(template.jwksUrl.replace(/^file:\/\//, ''), 'utf8')) as { keys: Array<Record<string, string>> }).keys[0];
  if (!jwk) throw new Error('the benchmark key set is empty');
  const key: KeyObject = createPrivateKey({ key: jwk, format: 'jwk' });
  const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: jwk.kid, typ: 'JWT' })).toString('base64url');
  const { mapperTimeoutMs, workers, mapperCacheMaxEntries, mapperMaxMemoryBytes } = config.tessera.tokenizer;
  const mapper = await createClaimsMapper([{ name: 'postgrest', source: mapperSource, origin: mapperOrigin }], {
    timeoutMs: mapperTimeoutMs,
    workers,
    cacheMaxEntries: mapperCacheMaxEntries,
    maxMemoryBytes: mapperMaxMemoryBytes,
  });
  const tokenizer: SessionTokenizer = {
    async tokenize(name: string, session: SessionWithIdentity, sessionJson: Record<string, unknown>): Promise<string> {
      if (name !== 'postgrest') throw badRequest(`Unable to find tokenizer template "${name}".`);
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {
        jti: randomUUID(),
        iss: config.serve.public.baseUrl,
        exp: now + Math.floor(template.ttlMs / 1000),
        sid: session.id,
        nbf: now,
        iat: now,
        sub: session.identity.id,
      };
      Object.assign(claims, await mapper.map(name, sessionJson, { ...claims }));
      claims.sub = session.identity.id;
      const signingInput = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      return `${signingInput}.${sign(null, Buffer.from(signingInput), key).toString('base64url')}`;
    },
  };
  return { tokenizer, mapper };
}
