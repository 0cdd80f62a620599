import type { AddressInfo } from 'node:net';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import { createAdminApp } from '../http/admin-app.js';
import type { AppEnv } from '../http/app-env.js';
import { answerClientError, unparseableRequestResponse } from '../http/client-error.js';
import { createPublicApp } from '../http/public-app.js';
import { withWhoamiFastPath, type NodeListener } from '../http/whoami-fast-path.js';
import type { Runtime } from './build-deps.js';
import { startMaintenance } from './maintenance.js';

export interface RunningServers {
  publicPort: number;
  adminPort: number;
  /** The listening public API server (the benchmark counts its answers). */
  publicServer: Server;
  /**
   * Stops accepting, lets in-flight requests finish (up to `graceMs`, by default `tessera.shutdown.grace_period`),
   * cuts what is still open after that, then closes the database.
   */
  shutdown(graceMs?: number): Promise<void>;
}

export async function startServers(runtime: Runtime): Promise<RunningServers> {
  const { config, logger } = runtime.deps;
  const publicListener = withWhoamiFastPath(runtime.deps, honoListener(createPublicApp(runtime.deps), config.serve.public.host));
  const publicServer = await listen(publicListener, config.serve.public.host, config.serve.public.port);
  const adminServer = await listen(honoListener(createAdminApp(runtime.deps), config.serve.admin.host), config.serve.admin.host, config.serve.admin.port);
  const maintenance = startMaintenance(runtime.deps);
  const publicPort = (publicServer.server.address() as AddressInfo).port;
  const adminPort = (adminServer.server.address() as AddressInfo).port;
  logger.info({ host: config.serve.public.host, port: publicPort, base_url: config.serve.public.base_url }, 'public API listening');
  logger.info({ host: config.serve.admin.host, port: adminPort }, 'admin API listening');

  let stopping: Promise<void> | null = null;
  return {
    publicPort,
    adminPort,
    publicServer: publicServer.server,
    shutdown(graceMs = config.tessera.shutdown.grace_period) {
      stopping ??= (async () => {
        logger.info({ grace_ms: graceMs }, 'shutting down');
        maintenance.stop();
        const cut = await Promise.all([drain(publicServer.server, publicServer.open, graceMs), drain(adminServer.server, adminServer.open, graceMs)]);
        if (cut.some(Boolean)) logger.warn({ grace_ms: graceMs }, 'requests still open after the grace period were cut');
        await runtime.close();
        logger.info('shut down');
      })();
      return stopping;
    },
  };
}

interface ListeningServer {
  server: Server;
  /** Responses not yet finished, so that shutdown can tell their clients not to reuse the connection. */
  open: Set<ServerResponse>;
}

function honoListener(app: Hono<AppEnv>, hostname: string): NodeListener {
  return getRequestListener(app.fetch, {
    hostname,
    // Reached only when Node parsed a request that is not a valid URL; everything else goes through the app.
    errorHandler: () => unparseableRequestResponse(),
  });
}

function listen(listener: NodeListener, hostname: string, port: number): Promise<ListeningServer> {
  const server = createServer(listener);
  server.on('clientError', answerClientError);
  const open = new Set<ServerResponse>();
  server.on('request', (_request, response: ServerResponse) => {
    open.add(response);
    response.once('close', () => open.delete(response));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => {
      server.off('error', reject);
      resolve({ server, open });
    });
  });
}

/**
 * server.close() stops accepting at once and resolves when every connection is gone; idle keep-alive connections
 * are closed right away. Responses still in the works get `Connection: close`, so their connections end with
 * them instead of idling until the keep-alive timeout (and clients do not send more on a closing connection).
 * Resolves true when the grace period ran out and the remaining connections were cut.
 */
function drain(server: Server, open: Set<ServerResponse>, graceMs: number): Promise<boolean> {
  const closeAfterResponse = (response: ServerResponse): void => {
    if (!response.headersSent) response.setHeader('Connection', 'close');
  };
  open.forEach(closeAfterResponse);
  server.on('request', (_request, response: ServerResponse) => closeAfterResponse(response));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
      resolve(true);
    }, graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve(false);
    });
    server.closeIdleConnections();
  });
}
