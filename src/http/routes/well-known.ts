import { Hono } from 'hono';
import { joinUrl } from '../../config/join-url.js';
import type { Deps } from '../../deps.js';
import { jwksMaxAgeSeconds } from '../../tokenizer/published-keys.js';
import type { AppEnv } from '../app-env.js';

/**
 * The public keys of every tokenizer template (`/.well-known/jwks.json`), which Kratos itself does not publish,
 * and a minimal discovery document pointing at them. The JWKS body is serialized once at start.
 */
export function wellKnownRoutes(deps: Pick<Deps, 'config' | 'keys'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const jwksBody = deps.keys?.jwksBody ?? '{"keys":[]}';
  const maxAge = deps.keys?.maxAgeSeconds ?? jwksMaxAgeSeconds(deps.config);
  const issuer = deps.config.serve.public.base_url;
  const discovery = JSON.stringify({ issuer, jwks_uri: joinUrl(issuer, '.well-known/jwks.json') });
  const cors = (headers: Record<string, string>): Record<string, string> => ({ ...headers, 'Access-Control-Allow-Origin': '*' });

  app.get('/.well-known/jwks.json', (c) =>
    c.body(jwksBody, 200, cors({ 'Content-Type': 'application/json', 'Cache-Control': `public, max-age=${maxAge}` })),
  );
  app.get('/.well-known/openid-configuration', (c) =>
    c.body(discovery, 200, cors({ 'Content-Type': 'application/json', 'Cache-Control': `public, max-age=${maxAge}` })),
  );
  app.options('/.well-known/*', (c) => c.body(null, 204, cors({ 'Access-Control-Allow-Methods': 'GET, OPTIONS', 'Access-Control-Max-Age': '86400' })));
  return app;
}
