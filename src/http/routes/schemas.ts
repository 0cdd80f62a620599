import { Hono } from 'hono';
import type { Deps } from '../../deps.js';
import { resourceNotFound } from '../../errors/kratos-error.js';
import type { AppEnv } from '../app-env.js';

/** `GET /schemas` and `GET /schemas/{id}` (id = base64url of the schema id), as Kratos serves them. */
export function schemaRoutes(deps: Pick<Deps, 'schemas'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/schemas', (c) => c.json(deps.schemas.list().map((s) => ({ id: s.id, schema: s.raw }))));
  app.get('/schemas/:id', (c) => {
    const raw = c.req.param('id');
    const schema = deps.schemas.get(Buffer.from(raw, 'base64url').toString('utf8')) ?? deps.schemas.get(raw);
    if (!schema) throw resourceNotFound();
    return c.json(schema.raw);
  });
  return app;
}
