import { spawn, spawnSync } from 'node:child_process';

/** Runs `tessera <args>` as a real process through tsx, as `npm start` does. */
export function runCli(args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface ServeProcess {
  publicUrl: string;
  adminUrl: string;
  logs: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `tessera serve` as a child process and resolves once both ports are listening (read from the
 * "listening" log lines, so port 0 works).
 */
export function startServeProcess(args: string[], env: Record<string, string> = {}, cwd = process.cwd()): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let publicPort: number | null = null;
  let adminPort: number | null = null;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tessera serve did not start:\n${output}`));
    }, 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === 'public API listening') publicPort = entry.port ?? null;
          if (entry.msg === 'admin API listening') adminPort = entry.port ?? null;
        } catch {
          // partial line
        }
      }
      if (publicPort !== null && adminPort !== null) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.on('data', (more: Buffer) => (output += more.toString()));
        resolve({
          publicUrl: `http://127.0.0.1:${publicPort}`,
          adminUrl: `http://127.0.0.1:${adminPort}`,
          logs: () => output,
          stop(signal = 'SIGTERM') {
            child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      if (publicPort === null || adminPort === null) reject(new Error(`tessera serve exited with ${code}:\n${output}`));
    });
  });
}
