import { TesseraError } from '../errors/tessera-error.js';

/** A configuration problem found at start. `keyPath` uses dots (`serve.public.port`); `file` is the config file. */
export class ConfigError extends TesseraError {
  static override readonly code = 'ERR_CONFIG_INVALID';
  override readonly code = ConfigError.code;

  constructor(
    readonly file: string | null,
    readonly keyPath: string | null,
    readonly reason: string,
  ) {
    super(`${file ?? 'configuration'}${keyPath ? `: ${keyPath}` : ''}: ${reason}`);
  }
}
