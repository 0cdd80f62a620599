// test-stores: none
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAccessLog } from '../../src/logging/access-log.js';
import { createLogger } from '../../src/logging/logger.js';

/** A destination that keeps the lines. */
function memoryDestination(): { lines: string[]; write(line: string): void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

const withoutTime = (line: string): string => line.replace(/,"time":"[^"]*"/, ',"time":"T"');

describe('access log line', () => {
  it('is byte for byte the line pino writes for the same fields, escapes included', () => {
    const destination = memoryDestination();
    const logger = createLogger('info', destination);
    const accessLog = createAccessLog(logger);
    assert.ok(accessLog);
    const cases = [
      { requestId: '3b0d8a2e-5c1f-4c3e-9a57-0c2f1d6b9e11', method: 'GET', path: '/sessions/whoami', status: 200, ms: 0.42 },
      { requestId: 'client "id" \\ with\nnewline', method: 'POST', path: '/self-service/login/é/😀/\u2028', status: 400, ms: 12 },
      { requestId: 'x'.repeat(128), method: 'DELETE', path: `/${'p'.repeat(300)}…`, status: 503, ms: 1234.56 },
    ];
    for (const entry of cases) {
      accessLog(entry);
      logger.info({ request_id: entry.requestId, method: entry.method, path: entry.path, status: entry.status, ms: entry.ms }, 'request');
      const [ours, pinos] = destination.lines.splice(0);
      assert.ok(ours && pinos);
      assert.equal(withoutTime(ours), withoutTime(pinos));
      assert.deepEqual(JSON.parse(ours), { ...JSON.parse(pinos), time: (JSON.parse(ours) as { time: string }).time });
      assert.match(ours, /^\{"level":30,"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","service":"tessera","request_id":/);
    }
  });

  it('keeps a child logger\'s bindings, and is off when the level leaves out info', () => {
    const destination = memoryDestination();
    const child = createLogger('info', destination).child({ component: 'public' });
    createAccessLog(child)?.({ requestId: 'r', method: 'GET', path: '/', status: 200, ms: 1 });
    assert.equal((JSON.parse(destination.lines[0] ?? '{}') as { component?: string }).component, 'public');
    assert.equal(createAccessLog(createLogger('warn', destination)), null);
    assert.equal(createAccessLog(createLogger('silent', destination)), null);
  });
});
