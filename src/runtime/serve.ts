import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import { createAdminApp } from '../http/admin-app.js';
import type { AppEnv } from '../http/app-env.js';
import { createPublicApp } from '../http/public-app.js';
import type { Runtime } from './build-deps.js';

export interface RunningServers {
  publicPort: number;
  adminPort: number;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the database. */
  shutdown(graceMs?: number): Promise<void>;
}

export async function startServers(runtime: Runtime): Promise<RunningServers> {
  const { config, logger } = runtime.deps;
  const publicServer = await listen(createPublicApp(runtime.deps), config.serve.public.host, config.serve.public.port);
  const adminServer = await listen(createAdminApp(runtime.deps), config.serve.admin.host, config.serve.admin.port);
  const publicPort = (publicServer.address() as AddressInfo).port;
  const adminPort = (adminServer.address() as AddressInfo).port;
  logger.info({ host: config.serve.public.host, port: publicPort, base_url: config.serve.public.baseUrl }, 'public API listening');
  logger.info({ host: config.serve.admin.host, port: adminPort }, 'admin API listening');

  let stopping: Promise<void> | null = null;
  return {
    publicPort,
    adminPort,
    shutdown(graceMs = 10_000) {
      stopping ??= (async () => {
        logger.info({ grace_ms: graceMs }, 'shutting down');
        await Promise.all([drain(publicServer as Server, graceMs), drain(adminServer as Server, graceMs)]);
        await runtime.close();
        logger.info('shut down');
      })();
      return stopping;
    },
  };
}

function listen(app: Hono<AppEnv>, hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port }, () => resolve(server));
    server.once('error', reject);
  });
}

/** server.close() stops accepting and waits for open requests; idle keep-alive sockets are closed at once. */
function drain(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
