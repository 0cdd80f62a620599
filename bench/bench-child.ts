import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { loaderFlags } from '../src/runtime/loader-flags.js';

/** A benchmark server in its own process, spoken to over IPC: one request, one typed answer (or its `failed`). */
export class BenchChild<Request, Reply extends { type: string }> {
  private readonly child: ChildProcess;

  constructor(script: string) {
    this.child = fork(join(process.cwd(), script), [], { execArgv: loaderFlags(process.execArgv), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.once('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL' && signal !== 'SIGTERM') console.error(`${script} exited (${signal ?? code})`);
    });
  }

  request<T extends Reply['type']>(message: Request, answer: T): Promise<Extract<Reply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: Reply): void => {
        if (reply.type !== answer && reply.type !== 'failed') return;
        this.child.off('message', onMessage);
        if (reply.type === 'failed') reject(new Error((reply as unknown as { message: string }).message));
        else resolve(reply as Extract<Reply, { type: T }>);
      };
      this.child.on('message', onMessage);
      this.child.send(message as object);
    });
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
