/** Messages between the benchmark harness (run.ts) and its server processes (bench-server.ts, ceiling-server.ts). */
import type { Config } from '../src/config/types.js';

export type HarnessMessage =
  | { type: 'start'; dsn: string | null; workDir: string; coldSessions: number }
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
      hashingConcurrency: number;
      argon2: Config['hashers']['argon2'];
      mapperWorkers: number;
    }
  | { type: 'reached'; elapsedMs: number }
  | { type: 'memory'; serverRss: number; children: Array<{ pid: number; rss: number; pss: number }> }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };

export type CeilingMessage = { type: 'ready'; port: number };
