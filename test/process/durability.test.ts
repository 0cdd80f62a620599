// test-stores: sqlite
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startServeProcess } from '../helpers/cli.js';
import { tempDir } from '../helpers/config.js';
import { loginViaApi, registerViaApi } from '../helpers/http.js';

describe('durability across restarts', () => {
  it('logs in after the process was stopped and started again on the same SQLite file', async () => {
    const dir = tempDir();
    const env = {
      DSN: `sqlite://${join(dir, 'tessera.db')}?_fk=true`,
      SERVE_PUBLIC_PORT: '0',
      SERVE_ADMIN_PORT: '0',
      HASHERS_ARGON2_MEMORY: '8MB',
      HASHERS_ARGON2_ITERATIONS: '1',
      TESSERA_KEYS_GENERATE_MISSING: 'false',
      SESSION_WHOAMI_TOKENIZER_TEMPLATES: '{}',
    };
    const first = await startServeProcess([], env);
    const registered = await registerViaApi(first.publicUrl, 'durable@example.org', 'durable passphrase 8');
    assert.equal(registered.status, 200);
    assert.equal(await first.stop('SIGTERM'), 0);

    const second = await startServeProcess([], env);
    try {
      const login = await loginViaApi(second.publicUrl, 'durable@example.org', 'durable passphrase 8');
      assert.equal(login.status, 200);
      assert.equal(((login.body.session as Record<string, unknown>).identity as Record<string, unknown>).id, (registered.body.identity as Record<string, unknown>).id);
      const whoami = await fetch(`${second.publicUrl}/sessions/whoami`, { headers: { 'x-session-token': String(registered.body.session_token) } });
      assert.equal(whoami.status, 200, 'the session issued before the restart is still valid');
    } finally {
      await second.stop('SIGTERM');
    }
  });
});
