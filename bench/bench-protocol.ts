/** Messages between the benchmark harness (run.ts) and its server processes (bench-server.ts, ceiling-server.ts). */
import type { Config } from '../src/config/types.js';

export type HarnessMessage =
  /** `name` tells the servers of one run apart (their key files, their token files). */
  | { type: 'start'; dsn: string; workDir: string; name: string; coldSessions: number }
  /** Report `reached` once this many more tokenize requests have been answered. */
  | { type: 'watch'; count: number }
  | { type: 'memory' }
  | { type: 'stop' };

export type ServerMessage =
  | {
      type: 'ready';
      port: number;
      warmToken: string;
      coldTokensFile: string;
      login: { identifier: string; password: string };
      dialect: string;
      logLevel: string;
      hashingConcurrency: number;
      argon2: Config['hashers']['argon2'];
      mapperWorkers: number;
    }
  | { type: 'reached'; elapsedMs: number }
  | { type: 'memory'; serverRss: number; children: Array<{ pid: number; rss: number; pss: number }> }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };

/**
 * What the ceiling answers: exactly the body of Tessera's warm tokenize response (the whoami JSON of the same
 * session, plus `tokenized`), with a token carrying the same claims.
 */
export interface CeilingStart {
  type: 'start';
  /** Tessera's whoami JSON for the session, verbatim. */
  sessionJson: string;
  sessionId: string;
  identityId: string;
  issuer: string;
  ttlSeconds: number;
  /** The claims the mapper added (the postgrest template's role and email). */
  mapped: Record<string, unknown>;
}

export type CeilingMessage = { type: 'ready'; port: number };
