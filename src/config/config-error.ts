/** A configuration problem found at start. `keyPath` uses dots (`serve.public.port`); `file` is the config file. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string | null,
    readonly keyPath: string | null,
    readonly reason: string,
  ) {
    super(`${file ?? 'configuration'}${keyPath ? `: ${keyPath}` : ''}: ${reason}`);
  }
}
