/** A `tessera <name>` subcommand. `run` returns the process exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

/** Raised for wrong command-line usage; printed without a stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
