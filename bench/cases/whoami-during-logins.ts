/**
 * Case E: whoami while logins run back to back at the argon2 rate (as many at once as the hasher takes), to show
 * that password hashing does not hold the hot path. First, for reference, how fast logins go with nothing else.
 */
import { sleep, type BenchContext, type CaseResult, type TesseraProcess } from '../harness.js';

export async function runWhoamiDuringLogins(context: BenchContext, tessera: TesseraProcess): Promise<CaseResult> {
  const { tool, options } = context;
  const { ready, baseUrl } = tessera;
  console.log(`E whoami while logins run at the argon2 rate (${ready.hashingConcurrency} concurrent, argon2id m=${ready.argon2.memory / 1024} KiB t=${ready.argon2.iterations} p=${ready.argon2.parallelism}) ...`);
  const alone = startLogins(baseUrl, ready.login, ready.hashingConcurrency);
  await sleep(3000);
  await alone.stop();
  const loginRateAlone = alone.count() / 3;
  const logins = startLogins(baseUrl, ready.login, ready.hashingConcurrency);
  await sleep(options.warmupS * 1000);
  const loginsBefore = logins.count();
  const result = await tool.run({ url: `${baseUrl}/sessions/whoami`, headers: { 'X-Session-Token': ready.warmToken }, durationS: options.durationS * options.rounds, connections: options.connections, threads: options.threads });
  const loginRate = (logins.count() - loginsBefore) / result.durationS;
  await logins.stop();
  return { ...result, note: `${loginRate.toFixed(1)} logins/s alongside (${loginRateAlone.toFixed(1)}/s alone), ${logins.failures() + alone.failures()} failed` };
}

/** `concurrency` loops of (create an API login flow, submit the password), as a native app logs in. */
function startLogins(baseUrl: string, login: { identifier: string; password: string }, concurrency: number): { count(): number; failures(): number; stop(): Promise<void> } {
  let running = true;
  let done = 0;
  let failed = 0;
  const loop = async (): Promise<void> => {
    while (running) {
      try {
        const flow = (await (await fetch(`${baseUrl}/self-service/login/api`)).json()) as { id: string };
        const response = await fetch(`${baseUrl}/self-service/login?flow=${flow.id}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ method: 'password', identifier: login.identifier, password: login.password }),
        });
        await response.arrayBuffer();
        if (response.ok) done++;
        else failed++;
      } catch {
        failed++;
      }
    }
  };
  const loops = Array.from({ length: concurrency }, () => loop());
  return {
    count: () => done,
    failures: () => failed,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}
