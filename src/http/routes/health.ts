import { Hono } from 'hono';
import type { Deps } from '../../deps.js';
import type { AppEnv } from '../app-env.js';

/** `/health/alive`, `/health/ready` and `/version`, served on both ports like Kratos (oryx/healthx). */
export function healthRoutes(deps: Pick<Deps, 'store' | 'version'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/health/alive', (c) => c.json({ status: 'ok' }));
  app.get('/health/ready', async (c) => {
    try {
      await deps.store.ping();
      return c.json({ status: 'ok' });
    } catch (error) {
      return c.json({ errors: { database: (error as Error).message || 'the database is unreachable' } }, 503);
    }
  });
  app.get('/version', (c) => c.json({ version: deps.version }));
  return app;
}
