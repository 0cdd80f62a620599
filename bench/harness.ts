/** What the benchmark's cases share: the load tool, the options, and the server processes with their IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { loaderFlags } from '../src/runtime/loader-flags.js';
import type { HarnessMessage, ServerMessage } from './bench-protocol.js';
import type { LoadResult, LoadTool } from './load-tool.js';

export interface BenchOptions {
  durationS: number;
  rounds: number;
  warmupS: number;
  connections: number;
  threads: number;
  coldSessions: number;
}

/** A running Tessera (bench-server.ts) and what it reported when ready. */
export interface TesseraProcess {
  name: string;
  child: ChildProcess;
  ready: Extract<ServerMessage, { type: 'ready' }>;
  baseUrl: string;
  /** Where its stdout (the log) goes. */
  logFile: string;
}

export interface BenchContext {
  tool: LoadTool;
  options: BenchOptions;
  workDir: string;
}

/** A case's figures as the report prints them: a load result, maybe with a note. */
export type CaseResult = LoadResult & { note?: string };

const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * Forks a benchmark script (through the same loader as this process: tsx from source). Its stdout goes to
 * `stdoutFile` when given (a server's log), else to the terminal.
 */
export function spawnChild(script: string, options: { env?: Record<string, string>; stdoutFile?: string } = {}): ChildProcess {
  const stdout = options.stdoutFile ? openSync(options.stdoutFile, 'a') : 'inherit';
  const child = fork(join(process.cwd(), script), [], {
    execArgv: loaderFlags(process.execArgv),
    env: { ...process.env, ...options.env },
    stdio: ['ignore', stdout, 'inherit', 'ipc'],
  });
  children.push(child);
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGKILL') {
      console.error(`${script} exited (${signal ?? code})`);
      process.exit(1);
    }
  });
  return child;
}

/** Starts a Tessera server process on `dsn`, with `env` (e.g. LOG_LEVEL), and waits until its sessions exist. */
export async function startTessera(context: BenchContext, name: string, dsn: string, env: Record<string, string> = {}): Promise<TesseraProcess> {
  const logFile = join(context.workDir, `${name}.log`);
  const child = spawnChild('bench/bench-server.ts', { env, stdoutFile: logFile });
  const ready = await request(child, { type: 'start', dsn, workDir: context.workDir, name, coldSessions: context.options.coldSessions }, 'ready');
  return { name, child, ready, baseUrl: `http://127.0.0.1:${ready.port}`, logFile };
}

export function nextMessage<M extends { type: string }>(child: ChildProcess, type: string): Promise<M> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: M | ServerMessage): void => {
      if (message.type === 'failed') {
        child.off('message', onMessage);
        reject(new Error((message as Extract<ServerMessage, { type: 'failed' }>).message));
      } else if (message.type === type) {
        child.off('message', onMessage);
        resolve(message as M);
      }
    };
    child.on('message', onMessage);
  });
}

export function request<T extends ServerMessage['type']>(child: ChildProcess, message: HarnessMessage, answer: T): Promise<Extract<ServerMessage, { type: T }>> {
  const reply = nextMessage<Extract<ServerMessage, { type: T }>>(child, answer);
  child.send(message);
  return reply;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function median<T>(values: T[], by: (value: T) => number): T {
  const sorted = [...values].sort((x, y) => by(x) - by(y));
  return sorted[Math.floor(sorted.length / 2)] as T;
}
