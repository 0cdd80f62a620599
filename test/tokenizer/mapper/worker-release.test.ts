// test-stores: none
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { buildLoopProgram } from '../../../src/tokenizer/mapper/loop-program.js';
import type { DoneMessage, InitMessage, ReleasedMessage, WorkerMessage, WorkMessage } from '../../../src/tokenizer/mapper/worker-protocol.js';
import { loaderFlags } from '../../../src/runtime/loader-flags.js';

/** Errors for one name, takes seconds for another (a long fold), answers at once for the rest. */
const SOURCE = `local s = std.extVar('session');
{ claims: { name: if s.name == 'bad' then error 'no bad names' else if s.name == 'slow' then std.toString(std.foldl(function(a, i) a + i, std.range(1, 150000), 0)) else s.name } }`;

const item = (id: number, name: string): WorkMessage['items'][number] => ({ id, t: 0, session: JSON.stringify({ name }), claims: '{}', plain: false, alone: false });

/**
 * The worker protocol spoken directly to a real worker process (what worker-pool.ts does), to see what a release
 * hands back at a moment the pool cannot choose: after a step of several inputs failed.
 */
describe('a mapper worker asked to release its queued inputs', () => {
  let child: ChildProcess;
  const messages: WorkerMessage[] = [];
  let notify: (() => void) | null = null;
  const next = async (match: (message: WorkerMessage) => boolean): Promise<WorkerMessage> => {
    for (;;) {
      const found = messages.findIndex(match);
      if (found >= 0) return messages.splice(found, 1)[0] as WorkerMessage;
      await new Promise<void>((resolve) => (notify = resolve));
    }
  };

  before(async () => {
    child = fork(fileURLToPath(new URL('../../../src/tokenizer/mapper/mapper-worker.ts', import.meta.url)), [], {
      execArgv: loaderFlags(process.execArgv),
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      serialization: 'advanced',
    });
    child.on('message', (message: WorkerMessage) => {
      messages.push(message);
      notify?.();
    });
    const init: InitMessage = {
      type: 'init',
      program: buildLoopProgram([{ origin: 'base64://', embeddableSource: SOURCE }], { trackClaims: false, iterations: 1000 }),
      templates: [{ source: SOURCE, origin: 'base64://' }],
      timeoutMs: 120_000,
      maxMemoryBytes: 4 * 1024 ** 3,
    };
    child.send(init);
    await next((message) => message.type === 'ready');
  });
  after(() => {
    child.kill('SIGKILL');
  });

  it('says which of them must run alone, because a step they shared failed', async () => {
    // One step of four: 'bad' fails it at once, so each input runs again in a step of its own: 'bad' (which then
    // fails alone and gets its plain evaluation), 'slow' (seconds), and the other two, still queued when the
    // release arrives.
    const work: WorkMessage = { type: 'work', items: [item(1, 'bad'), item(2, 'slow'), item(3, 'g1'), item(4, 'g2')] };
    child.send(work);
    const culprit = (await next((message) => message.type === 'done' && message.items.some((done) => done.id === 1))) as DoneMessage;
    assert.match(String((culprit.items[0]?.result as { error?: string }).error), /no bad names/);
    child.send({ type: 'release' });
    const released = (await next((message) => message.type === 'released')) as ReleasedMessage;
    assert.ok(released.ids.includes(3) && released.ids.includes(4), `released ${JSON.stringify(released.ids)}`);
    // Which input failed the step is not known to the pool: every one of them is flagged, so that wherever they go
    // next they run one per step, and a step that fails costs one loop, not one per release.
    assert.deepEqual(released.alone, released.ids);
  });

  it('flags none of them after steps that succeeded', async () => {
    // A slow input keeps the loop busy; the two behind it were never in a failed step.
    child.send({ type: 'work', items: [item(5, 'slow')] } satisfies WorkMessage);
    child.send({ type: 'work', items: [item(6, 'g3'), item(7, 'g4')] } satisfies WorkMessage);
    child.send({ type: 'release' });
    const released = (await next((message) => message.type === 'released')) as ReleasedMessage;
    assert.ok(released.ids.includes(6) && released.ids.includes(7), `released ${JSON.stringify(released.ids)}`);
    assert.deepEqual(released.alone, []);
  });
});
