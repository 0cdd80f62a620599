/**
 * Case C: whoami?tokenize_as=postgrest over fresh sessions, each used exactly once, so every request evaluates the
 * mapper (nothing is memoized yet). The rate is taken in the server, from its first to its last answer, which
 * leaves out the load tool's start-up and the moment it takes to notice the end. Then the memory of the server
 * and of its mapper workers.
 */
import type { ServerMessage } from '../bench-protocol.js';
import { nextMessage, request, type BenchContext, type CaseResult, type TesseraProcess } from '../harness.js';

export interface ColdOutcome {
  result: CaseResult;
  memory: Extract<ServerMessage, { type: 'memory' }>;
}

export async function runColdTokens(context: BenchContext, tessera: TesseraProcess): Promise<ColdOutcome> {
  const { tool, options } = context;
  const count = options.coldSessions;
  console.log(`C whoami?tokenize_as=postgrest, cold: ${count} fresh sessions, each used once ...`);
  const reached = Promise.race([
    nextMessage<Extract<ServerMessage, { type: 'reached' }>>(tessera.child, 'reached'),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`case C: the server did not answer ${count} tokenize requests within 5 minutes`)), 300_000).unref()),
  ]);
  tessera.child.send({ type: 'watch', count });
  const cold = await tool.runCold({ baseUrl: tessera.baseUrl, tokensFile: tessera.ready.coldTokensFile, connections: options.connections, threads: options.threads, finished: reached.then(() => undefined) });
  const serverSide = await reached;
  const result: CaseResult = { ...cold, rps: count / (serverSide.elapsedMs / 1000), note: `${cold.requests} answered in ${(serverSide.elapsedMs / 1000).toFixed(2)} s` };
  const memory = await request(tessera.child, { type: 'memory' }, 'memory');
  return { result, memory };
}
