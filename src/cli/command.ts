import { TesseraError } from '../errors/tessera-error.js';

/** A `tessera <name>` subcommand. `run` returns the process exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

/** Raised for wrong command-line usage; printed without a stack trace. */
export class UsageError extends TesseraError {
  static override readonly code = 'ERR_USAGE';
  override readonly code = UsageError.code;
}
