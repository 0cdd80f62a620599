import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * Evaluates one Jsonnet snippet in a short-lived child process that is killed when it overruns its time.
 *
 * Why a process and not the in-process binding: node-jsonnet evaluates on a libuv threadpool thread and cannot
 * be interrupted, so a mapper that never terminates (`local f(x) = f(x); f(1)`) would hold that thread, and
 * with it a quarter of all file and crypto work, forever. A process can be killed. Sign-ins through an
 * upstream provider are rare next to whoami calls, so the ~50 ms a process start costs is acceptable here; the
 * tokenizer, which is a hot path, has its own pooled engine (src/tokenizer/mapper/).
 */
export interface JsonnetEvaluation {
  source: string;
  /** Shown in Jsonnet error messages (the mapper's file path, or `base64://`). */
  filename: string;
  /** External variables bound as Jsonnet code (`std.extVar(name)`), given as JSON values. */
  extVars: Record<string, unknown>;
}

export type JsonnetResult = { ok: true; value: unknown } | { ok: false; error: string; timedOut: boolean };

export interface JsonnetEvaluator {
  evaluate(evaluation: JsonnetEvaluation): Promise<JsonnetResult>;
}

const MAX_OUTPUT_BYTES = 1024 * 1024;

// Runs inside the child: reads one request from stdin, writes one JSON line to stdout. Plain CommonJS so it
// needs no loader; the binding's absolute path comes in argv so the child does not depend on its cwd.
const CHILD_SCRIPT = `
const { Jsonnet } = require(process.argv[1]);
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', async () => {
  let reply;
  try {
    const request = JSON.parse(input);
    const vm = new Jsonnet();
    for (const [name, value] of Object.entries(request.extVars)) vm.extCode(name, JSON.stringify(value));
    reply = { ok: true, output: await vm.evaluateSnippet(request.source, request.filename) };
  } catch (error) {
    reply = { ok: false, error: String(error && error.message ? error.message : error) };
  }
  process.stdout.write(JSON.stringify(reply), () => process.exit(0));
});
`;

export function createChildJsonnetEvaluator(options: { timeoutMs: number }): JsonnetEvaluator {
  const bindingPath = createRequire(import.meta.url).resolve('@hanazuki/node-jsonnet');
  return {
    evaluate(evaluation) {
      return new Promise<JsonnetResult>((resolve) => {
        // No environment: the child needs none, and the service's (DSN, API keys) is none of its business.
        const child = spawn(process.execPath, ['--max-old-space-size=128', '-e', CHILD_SCRIPT, bindingPath], { env: {}, stdio: ['pipe', 'pipe', 'pipe'] });
        let settled = false;
        const finish = (result: JsonnetResult): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (child.exitCode === null) child.kill('SIGKILL');
          resolve(result);
        };
        const timer = setTimeout(() => finish({ ok: false, error: `evaluation did not finish within ${options.timeoutMs} ms`, timedOut: true }), options.timeoutMs);
        const chunks: Buffer[] = [];
        let size = 0;
        child.stdout.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_OUTPUT_BYTES) finish({ ok: false, error: `the output is larger than ${MAX_OUTPUT_BYTES} bytes`, timedOut: false });
          else chunks.push(chunk);
        });
        child.stderr.resume();
        child.on('error', (error) => finish({ ok: false, error: `could not start the Jsonnet process: ${error.message}`, timedOut: false }));
        child.on('close', (code, signal) => {
          const text = Buffer.concat(chunks).toString('utf8');
          let reply: { ok: boolean; output?: string; error?: string };
          try {
            reply = JSON.parse(text) as typeof reply;
          } catch {
            finish({ ok: false, error: `the Jsonnet process ended (${signal ?? `exit code ${code}`}) without a result`, timedOut: false });
            return;
          }
          if (!reply.ok || typeof reply.output !== 'string') {
            finish({ ok: false, error: reply.error ?? 'unknown Jsonnet error', timedOut: false });
            return;
          }
          try {
            finish({ ok: true, value: JSON.parse(reply.output) as unknown });
          } catch {
            finish({ ok: false, error: 'the Jsonnet output is not JSON', timedOut: false });
          }
        });
        child.stdin.on('error', () => undefined);
        child.stdin.end(JSON.stringify(evaluation));
      });
    },
  };
}
