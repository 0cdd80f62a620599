import { execFileSync, spawnSync } from 'node:child_process';

let cached: string | null | undefined;

/**
 * The Debian `jsonnet` command (the C++ reference implementation), for parity tests. When it is missing and the
 * tests run as root on Debian, it is installed with apt-get (`apt-get install -y jsonnet`), as the engine's brief
 * asks; otherwise the caller skips with the returned reason.
 */
export function jsonnetBinary(): { path: string } | { skip: string } {
  if (cached === undefined) cached = find() ?? install();
  return cached ? { path: cached } : { skip: 'the jsonnet command is not installed (apt-get install -y jsonnet)' };
}

function find(): string | null {
  const which = spawnSync('sh', ['-c', 'command -v jsonnet'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : null;
}

function install(): string | null {
  if (process.getuid?.() !== 0 || spawnSync('sh', ['-c', 'command -v apt-get']).status !== 0) return null;
  console.log('# installing the Debian jsonnet command for parity tests: apt-get install -y jsonnet');
  const result = spawnSync('apt-get', ['install', '-y', '-q', 'jsonnet'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0 ? find() : null;
}

/** Evaluates a file or snippet with the jsonnet command; returns its stdout, or throws with its stderr. */
export function runJsonnet(binary: string, args: string[]): string {
  return execFileSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
