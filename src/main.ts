import { ConfigError } from './config/config-error.js';
import { commands } from './cli/commands.js';
import { UsageError } from './cli/command.js';
import { VERSION } from './runtime/version.js';

/**
 * Process entry: `tessera <command> [options]`. The only place that turns errors into exit codes; configuration
 * and usage errors print one line naming the key, file and reason, never a stack trace.
 */
async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === 'version') {
    console.log(VERSION);
    return 0;
  }
  // No command prints the help, as Kratos does: starting a server is asked for by name (`tessera serve`).
  if (name === undefined || name === '--help' || name === 'help' || name === '-h') {
    console.log(`tessera ${VERSION}\n\nUsage: tessera <command> [options]\n\n${commands.map((c) => `  ${c.usage.padEnd(58)} ${c.summary}`).join('\n')}`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command "${name}" (try: tessera --help)`);
  return command.run(rest);
}

/** The one line `tessera` prints for an error, chosen by the error's code. */
function describeError(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === ConfigError.code) return `invalid configuration: ${message}`;
  // UsageError, and node:util parseArgs's ERR_PARSE_ARGS_UNKNOWN_OPTION and its kin: the message says it all.
  return message;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`tessera: ${describeError(error)}`);
    process.exitCode = 1;
  },
);
