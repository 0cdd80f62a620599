import { Configuration, FrontendApi, IdentityApi } from '@ory/client-fetch';
import type { Logger } from 'pino';
import { createLogger } from '../../src/logging/logger.js';
import { buildRuntime, type Runtime } from '../../src/runtime/build-deps.js';
import { startServers } from '../../src/runtime/serve.js';
import type { Config } from '../../src/config/types.js';
import { testConfig } from './config.js';

export interface TestServer {
  runtime: Runtime;
  publicUrl: string;
  adminUrl: string;
  frontend: FrontendApi;
  identities: IdentityApi;
  close(): Promise<void>;
}

/** A real Tessera on ports chosen by the OS, with the official Ory SDK pointed at it. */
export async function startTestServer(config: Config = testConfig(), options: { now?: () => Date; logger?: Logger } = {}): Promise<TestServer> {
  const runtime = await buildRuntime(config, options.logger ?? createLogger('silent'), options);
  const servers = await startServers(runtime);
  const publicUrl = `http://127.0.0.1:${servers.publicPort}`;
  const adminUrl = `http://127.0.0.1:${servers.adminPort}`;
  return {
    runtime,
    publicUrl,
    adminUrl,
    frontend: new FrontendApi(new Configuration({ basePath: publicUrl })),
    identities: new IdentityApi(new Configuration({ basePath: adminUrl, accessToken: config.tessera.admin.api_key ?? undefined })),
    close: () => servers.shutdown(2000),
  };
}
