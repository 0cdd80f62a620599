import { newJsonnet } from './jsonnet-binding.js';
import type { LoopProgram } from './loop-program.js';

/** What a running loop program calls back into (see loop-program.ts for the protocol). */
export interface LoopHost {
  /** Takes the previous step's outputs ('' on the first call) and returns the next step's inputs, waiting for some. */
  step(loop: EvaluationLoop, previousOutput: string): string | Promise<string>;
  /** The mapper evaluating input `index` of the current step forced a value of `claims`. */
  touchedClaims(loop: EvaluationLoop, index: number): void;
  /** The evaluation returned (after `iterations` steps: its result is the last step's outputs) or failed. */
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
      .nativeCallback(
        program.natives.touch,
        (index) => {
          host.touchedClaims(this, Number(index));
          return true;
        },
        'index',
      );
    vm.evaluateSnippet(program.snippet, program.filename).then(
      (result) => host.ended(this, { lastOutput: JSON.parse(result) as string }),
      (error: unknown) => host.ended(this, { error: error instanceof Error ? error.message : String(error) }),
    );
  }
}
