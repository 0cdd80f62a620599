import { newJsonnet } from './jsonnet-binding.js';
import type { LoopProgram } from './loop-program.js';

/** What a running loop program calls back into (see loop-program.ts for the protocol). */
export interface LoopHost {
  /** Takes the previous input's output ('' on the first call) and returns the next input, waiting for one. */
  step(loop: EvaluationLoop, previousOutput: string): string | Promise<string>;
  /** The current mapper forced a value of `claims`. */
  touchedClaims(loop: EvaluationLoop): void;
  /** The evaluation returned (after `iterations` inputs: its result is the last output) or failed. */
  ended(loop: EvaluationLoop, outcome: { lastOutput: string } | { error: string }): void;
}

/**
 * One long-running evaluation of the loop program on the libuv threadpool. Its native callbacks run on this
 * process's main thread while the evaluation thread waits, so the host sees calls strictly in program order.
 */
export class EvaluationLoop {
  /** Whether the program has asked for an input yet (the VM and stdlib are built by then). */
  started = false;

  constructor(program: LoopProgram, host: LoopHost) {
    const vm = newJsonnet()
      .nativeCallback(
        program.natives.step,
        (previousOutput) => {
          this.started = true;
          return host.step(this, String(previousOutput));
        },
        'previous',
      )
      .nativeCallback(program.natives.touch, () => {
        host.touchedClaims(this);
        return true;
      });
    vm.evaluateSnippet(program.snippet, program.filename).then(
      (result) => host.ended(this, { lastOutput: JSON.parse(result) as string }),
      (error: unknown) => host.ended(this, { error: error instanceof Error ? error.message : String(error) }),
    );
  }
}
