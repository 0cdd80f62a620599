// test-stores: postgres
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServeProcess, type ServeProcess } from '../helpers/cli.js';
import { jsonOf, loginViaApi, registerViaApi } from '../helpers/http.js';
import { createScratchCluster, type PostgresCluster } from '../helpers/postgres-cluster.js';
import { serveEnv } from '../helpers/serve-env.js';

const PASSWORD = 'restart passphrase 77';

/** Waits for a condition without a tight deadline: the machine is shared and PostgreSQL recovery takes a while. */
async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Registers users one after another for as long as it runs, through both steps of the API flow, and sorts the
 * outcomes: acknowledged (200), refused as unavailable (503), or anything else, which must not happen.
 */
class RegistrationLoad {
  readonly acknowledged: string[] = [];
  unavailable = 0;
  readonly unexpected: string[] = [];
  private running = true;
  private readonly finished: Promise<void>;

  constructor(
    private readonly publicUrl: string,
    private readonly label: string,
  ) {
    this.finished = this.run();
  }

  private async run(): Promise<void> {
    for (let n = 0; this.running; n++) {
      const email = `${this.label}-${n}@example.org`;
      try {
        const status = await this.register(email);
        if (status === 200) this.acknowledged.push(email);
        else if (status === 503) this.unavailable++;
        else this.unexpected.push(`${email}: ${status}`);
      } catch (error) {
        this.unexpected.push(`${email}: ${String(error)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async register(email: string): Promise<number> {
    const signal = AbortSignal.timeout(20_000);
    const flow = await fetch(`${this.publicUrl}/self-service/registration/api`, { signal });
    const flowBody = await jsonOf(flow);
    if (flow.status !== 200) return flow.status;
    const submit = await fetch(`${this.publicUrl}/self-service/registration?flow=${String(flowBody.id)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'password', password: PASSWORD, traits: { email } }),
      signal,
    });
    await submit.arrayBuffer();
    return submit.status;
  }

  stop(): Promise<void> {
    this.running = false;
    return this.finished;
  }
}

/**
 * PostgreSQL stopped and started again under a running Tessera, on a cluster of this test's own (other test
 * files keep using the shared one). In between: /health/ready says 503, requests get a Kratos 503, the process
 * stays up; afterwards it serves again by itself, and every registration it acknowledged is there, whole.
 */
describe('PostgreSQL restarted while Tessera runs', () => {
  let cluster: PostgresCluster;
  let database: string;
  let tessera: ServeProcess;
  let token: string;

  before(async () => {
    cluster = await createScratchCluster('fault');
    database = cluster.createDatabase();
    // The load registers from one address far faster than the registration limit per IP allows.
    tessera = await startServeProcess([], serveEnv(cluster.dsn(database), { TESSERA_DATABASE_STATEMENT_TIMEOUT: '2s', TESSERA_RATE_LIMITS_ENABLED: 'false' }));
    const registered = await registerViaApi(tessera.publicUrl, 'before@example.org', PASSWORD);
    assert.equal(registered.status, 200);
    token = String(registered.body.session_token);
  });
  after(async () => {
    await tessera?.stop();
  });

  const ready = (): Promise<Response> => fetch(`${tessera.publicUrl}/health/ready`);
  const whoami = (): Promise<Response> => fetch(`${tessera.publicUrl}/sessions/whoami`, { headers: { 'x-session-token': token } });

  for (const mode of ['fast', 'immediate'] as const) {
    it(`answers 503 while PostgreSQL is down (stop -m ${mode}), resumes by itself, and loses no acknowledged write`, async () => {
      try {
        await outageAndRecovery(mode);
      } catch (error) {
        console.error(`tessera's output:\n${tessera.logs().slice(-6000)}`);
        throw error;
      }
    });
  }

  async function outageAndRecovery(mode: 'fast' | 'immediate'): Promise<void> {
    assert.equal((await ready()).status, 200);
    const load = new RegistrationLoad(tessera.publicUrl, mode);
    try {
      await eventually(() => load.acknowledged.length >= 3, 'registrations succeed');
      await cluster.stop(mode);

      const readiness = await ready();
      assert.equal(readiness.status, 503);
      assert.match(String(((await jsonOf(readiness)).errors as Record<string, unknown>).database), /^the database is unavailable: /);
      const refused = await whoami();
      assert.equal(refused.status, 503);
      assert.deepEqual(await jsonOf(refused), {
        error: { code: 503, status: 'Service Unavailable', reason: 'The database is unavailable. Please retry later.', message: 'The service is unavailable' },
      });
      await eventually(() => load.unavailable >= 1, 'a registration meets the outage');

      await cluster.start();
      await eventually(async () => (await ready()).status === 200, '/health/ready is 200 again');
      assert.equal((await whoami()).status, 200, 'the session from before the outage is valid again');
      const acknowledgedBeforeRecovery = load.acknowledged.length;
      await eventually(() => load.acknowledged.length > acknowledgedBeforeRecovery, 'registrations succeed again');
    } finally {
      await load.stop();
    }

    assert.deepEqual(load.unexpected, [], 'every request was answered with a 200 or a 503');
    const stored = new Set(cluster.psql('select identifier from identity_credential_identifiers', database).split('\n'));
    const lost = load.acknowledged.filter((email) => !stored.has(email));
    assert.deepEqual(lost, [], 'every acknowledged registration survived the restart');
    // Each registration writes identity, credential, identifier and session in one transaction: none is partial.
    const partial = cluster.psql(
      `select count(*) from identities i
       where not exists (select from identity_credentials c where c.identity_id = i.id)
          or not exists (select from identity_credential_identifiers x where x.identity_id = i.id)
          or not exists (select from sessions s where s.identity_id = i.id)`,
      database,
    );
    assert.equal(partial, '0');
    const sample = load.acknowledged[load.acknowledged.length - 1] ?? '';
    assert.equal((await loginViaApi(tessera.publicUrl, sample, PASSWORD)).status, 200);
  }
});
