import { ConfigError } from './config/config-error.js';
import { commands } from './cli/commands.js';
import { UsageError } from './cli/command.js';
import { VERSION } from './runtime/version.js';

/**
 * Process entry: `tessera <command> [options]`. The only place that turns errors into exit codes; configuration
 * and usage errors print one line naming the key, file and reason, never a stack trace.
 */
async function main(argv: string[]): Promise<number> {
  const [name = 'serve', ...rest] = argv;
  if (name === '--version' || name === 'version') {
    console.log(VERSION);
    return 0;
  }
  if (name === '--help' || name === 'help' || name === '-h') {
    console.log(`tessera ${VERSION}\n\nUsage: tessera <command> [options]\n\n${commands.map((c) => `  ${c.usage.padEnd(58)} ${c.summary}`).join('\n')}`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command "${name}" (try: tessera --help)`);
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(`tessera: invalid configuration: ${error.message}`);
    else if (error instanceof UsageError) console.error(`tessera: ${error.message}`);
    else if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS')) console.error(`tessera: ${error.message}`);
    else console.error(`tessera: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
