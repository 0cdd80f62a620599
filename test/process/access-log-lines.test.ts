// test-stores: sqlite
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { Agent, request } from 'node:http';
import { tempDir } from '../helpers/config.js';
import { serveEnv } from '../helpers/serve-env.js';
import { sqliteDsnIn } from '../helpers/sqlite-file.js';

/**
 * The access log of a real `tessera serve` at the default level, with stdout going to a file as a service manager
 * would send it. Lines are buffered (src/logging/buffered-destination.ts): these tests show that a graceful stop
 * still writes every one of them, and that a process killed outright loses nothing older than the flush interval.
 */
interface LoggingServer {
  child: ChildProcess;
  publicUrl: string;
  logFile: string;
  lines(): Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** GET with the given request id; resolves with the status once the whole answer arrived, rejects if cut. */
function getStatus(url: string, requestId: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { 'x-request-id': requestId } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function startLoggingServer(t: TestContext): Promise<LoggingServer> {
  const dir = tempDir();
  const logFile = join(dir, 'tessera.log');
  const env = { ...process.env, ...serveEnv(sqliteDsnIn(dir), { LOG_LEVEL: 'info', TESSERA_SHUTDOWN_GRACE_PERIOD: '30s' }) };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], { env, stdio: ['ignore', openSync(logFile, 'a'), 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close': the process has exited and its stdio is done with.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const lines = (): Array<Record<string, unknown>> =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const deadline = Date.now() + 60_000;
  // The listening lines are logged before any request, in a partial batch: the flush timer writes them out.
  for (;;) {
    const port = lines().find((line) => line.msg === 'public API listening')?.port;
    if (typeof port === 'number') return { child, publicUrl: `http://127.0.0.1:${port}`, logFile, lines, exited };
    if (child.exitCode !== null || Date.now() > deadline) assert.fail(`tessera serve did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const accessLines = (server: LoggingServer): Array<Record<string, unknown>> => server.lines().filter((line) => line.msg === 'request');

describe('access log lines', () => {
  it('a graceful stop under load writes a line for every answered request, none for the others', async (t) => {
    const server = await startLoggingServer(t);
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const answered = new Map<string, number>();
    let refused = 0;
    let stopping = false;
    let sent = 0;
    // 16 clients back to back on keep-alive connections; SIGTERM lands while many requests are in flight.
    const clients = Array.from({ length: 16 }, async (_, client) => {
      for (let i = 0; ; i++) {
        const id = `c${client}-${i}`;
        sent++;
        try {
          answered.set(id, await getStatus(`${server.publicUrl}/sessions/whoami`, id, agent));
        } catch (error) {
          // Refused or cut once the server stopped accepting: the client never got an answer.
          refused++;
          if (stopping) return;
          throw error;
        }
      }
    });
    const deadline = Date.now() + 120_000;
    while (answered.size < 3000) {
      assert.ok(Date.now() < deadline, `only ${answered.size} answers in two minutes`);
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 20)), ...clients]);
    }
    stopping = true;
    server.child.kill('SIGTERM');
    await Promise.all(clients);
    assert.equal(await server.exited, 0);
    agent.destroy();

    const lines = accessLines(server);
    const logged = new Map(lines.map((line) => [String(line.request_id), line]));
    assert.equal(logged.size, lines.length, 'one line per request');
    for (const [id, status] of answered) {
      assert.ok(logged.has(id), `the answered request ${id} has its line`);
      assert.equal(logged.get(id)?.status, status);
    }
    // Lines for requests the client never saw answered are possible only if the server answered them into a
    // connection the client had given up on; with a graceful drain there are none.
    assert.equal(lines.length, answered.size, `${lines.length} lines for ${answered.size} answers (${sent} sent, ${refused} refused)`);
    assert.ok(answered.size >= 3000);
    const all = server.lines();
    assert.equal(all[all.length - 1]?.msg, 'shut down', 'the last line of all is there too');
  });

  it('a process killed outright has written every line older than the flush interval', async (t) => {
    const server = await startLoggingServer(t);
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${server.publicUrl}/health/alive`, { headers: { 'x-request-id': `quiet-${i}` } });
      assert.equal(response.status, 200);
    }
    // Five lines are far less than a batch: only the flush timer (100 ms) writes them. SIGKILL runs no exit handler.
    await new Promise((resolve) => setTimeout(resolve, 500));
    server.child.kill('SIGKILL');
    await server.exited;
    assert.deepEqual(
      accessLines(server).map((line) => line.request_id),
      ['quiet-0', 'quiet-1', 'quiet-2', 'quiet-3', 'quiet-4'],
    );
  });
});
