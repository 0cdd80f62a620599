import { randomBytes } from 'node:crypto';

/**
 * The Jsonnet program a worker keeps running: ONE evaluation that pulls mapper inputs in batches through a native
 * callback and hands the outputs back through the same callback. node-jsonnet pays ~30-50 ms per evaluation to
 * build a VM and parse the stdlib; here that is paid once per `iterations` steps, and an input costs ~0.1-0.3 ms.
 *
 * Each mapper is embedded as a local function whose body is the mapper source, under a local `std` that is the
 * real stdlib plus per-input `extVar` (and the mapper's own `thisFile`), so `std.extVar('session')` and
 * `std.extVar('claims')` read the current input. Jsonnet is pure, so an evaluation embedded like this yields what
 * a fresh VM with ExtCode would. Files the mapper imports see the real `std`, and the loop VM binds no external
 * variables: libjsonnet caches an imported file per VM, so a file reading them would see stale inputs. Mappers
 * whose imports may read them are served plainly (import-sandbox.ts); should one slip through, its read fails in
 * the loop, and a failed input is always re-evaluated plainly (worker-evaluator.ts), so the answer stays right.
 *
 * A step takes a JSON array of inputs and returns their outputs, one line each: the items of a batch are
 * evaluated one after the other, in order, exactly as single inputs would be. A failure anywhere fails the
 * whole step; the worker then runs those inputs again one per step, so that only the culprit fails.
 *
 * Outputs are manifested with `'' + [output]`: libjsonnet's C++ manifester, the same routine that writes a
 * top-level output (vm.cpp manifestJson, single-line: a newline inside a string is escaped, so lines separate
 * outputs unambiguously), whatever the output's type. (std.manifestJsonMinified is implemented in Jsonnet and is
 * ~4 ms per small object.) The whole output is manifested, not just `claims`, so a mapper fails here exactly when
 * its top-level manifestation fails in Kratos.
 *
 * The type predicates a mapper calls (`std.isString`, `std.isObject`, ...) are, in libjsonnet's stdlib,
 * `std.type(v) == 'string'`, and `==` is `std.equals`, itself written in Jsonnet: ~45 µs per call on the benchmark
 * machine, more than half of the shipped postgrest mapper's cost. The mappers' `std` answers them with
 * `std.primitiveEquals(std.type(v), 'string')`, a builtin comparison: the same function of `v` (std.type always
 * returns a string, and equals on two strings is primitiveEquals), the same parameter name, forcing `v` exactly
 * the same way, in ~8 µs. Nothing else of the stdlib is replaced, and the stdlib's own functions keep calling
 * theirs.
 *
 * Every name the program adds is suffixed with random hex, so no mapper can refer to it (a mapper that names an
 * unknown variable fails the static check instead, see static-check.ts).
 */
export interface LoopProgram {
  snippet: string;
  /** File name libjsonnet reports for frames of the program itself. */
  filename: string;
  /** Native callback names, random per program. */
  natives: {
    /**
     * step(previousOutputs: string) → the next batch as a JSON array of `{"t":<template index>,"s":<session>,
     * "c":<claims>}`; the previous batch's outputs arrive as one line per input ('' before the first step).
     */
    step: string;
    /** touch(i) → true; called whenever the mapper evaluating input `i` of the batch forces a value of `claims`. */
    touch: string;
  };
}

export interface LoopMapper {
  origin: string;
  /** Source with import literals made absolute (import-sandbox.ts); null when the mapper is served plainly. */
  embeddableSource: string | null;
}

export interface LoopProgramOptions {
  /**
   * Wrap `claims` so that forcing any of its values calls `touch`. An evaluation that never touched claims is
   * proven not to depend on their values (only the fixed key set was visible), so its output may be memoized.
   */
  trackClaims: boolean;
  /** Steps per evaluation before it returns and a fresh one takes over (bounds any slow growth of its heap). */
  iterations: number;
}

/** The stdlib's type predicates (`std.isString`, ...), answered with a builtin comparison (see above). */
const TYPE_NAMES = ['string', 'number', 'boolean', 'object', 'array', 'function'] as const;

export function buildLoopProgram(mappers: LoopMapper[], options: LoopProgramOptions): LoopProgram {
  const p = `tessera_${randomBytes(6).toString('hex')}_`;
  const natives = { step: `${p}step`, touch: `${p}touch` };
  const predicates = TYPE_NAMES.map((type) => `is${type[0]?.toUpperCase()}${type.slice(1)}(v):: ${p}stdlib.primitiveEquals(${p}stdlib.type(v), '${type}')`);
  const lines: string[] = [
    `local ${p}stdlib = std;`,
    `local ${p}std = ${p}stdlib + { ${predicates.join(', ')} };`,
    `local ${p}step = std.native(${JSON.stringify(natives.step)});`,
    options.trackClaims
      ? `local ${p}claims(raw, i) = { [k]: if std.native(${JSON.stringify(natives.touch)})(i) then raw[k] else null for k in std.objectFields(raw) };`
      : `local ${p}claims(raw, i) = raw;`,
  ];
  mappers.forEach((mapper, index) => {
    if (mapper.embeddableSource === null) {
      lines.push(`local ${p}m${index}(${p}item) = error 'served by plain evaluation';`);
      return;
    }
    // The source starts on a line of its own and is closed on the next, so a trailing // comment stays a comment.
    lines.push(
      `local ${p}m${index}(${p}item) = (`,
      `local std = ${p}std + { extVar(${p}n):: if ${p}n == 'session' then ${p}item.s else if ${p}n == 'claims' then ${p}item.c else error 'undefined external variable: ' + ${p}n, thisFile:: ${JSON.stringify(mapper.origin)} };`,
      mapper.embeddableSource,
      `);`,
    );
  });
  lines.push(
    `local ${p}mappers = [${mappers.map((_, index) => `${p}m${index}`).join(', ')}];`,
    // Indexing by `t` forces each input before its mapper runs, so every input is read even when a mapper reads
    // neither session nor claims.
    `local ${p}run(${p}in, ${p}i) = '' + [${p}mappers[${p}in.t]({ s: ${p}in.s, c: ${p}claims(${p}in.c, ${p}i) })];`,
    `local ${p}batch(${p}ins) = std.join('\\n', [${p}run(${p}ins[${p}i], ${p}i) for ${p}i in std.range(0, std.length(${p}ins) - 1)]);`,
    `local ${p}loop(${p}left, ${p}out) = if ${p}left == 0 then ${p}out else ${p}loop(${p}left - 1, ${p}batch(std.parseJson(${p}step(${p}out)))) tailstrict;`,
    `${p}loop(${options.iterations}, '')`,
  );
  return { snippet: lines.join('\n') + '\n', filename: `<tessera claims mapper loop>`, natives };
}
