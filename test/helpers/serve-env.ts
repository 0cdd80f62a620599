/**
 * Environment for a `tessera serve` child process in tests: the given DSN, ports chosen by the OS (read back from
 * the "listening" log lines), cheap argon2, and no tokenizer templates (their keys are not part of these tests).
 */
export function serveEnv(dsn: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DSN: dsn,
    SERVE_PUBLIC_PORT: '0',
    SERVE_ADMIN_PORT: '0',
    LOG_LEVEL: 'info',
    HASHERS_ARGON2_MEMORY: '8MB',
    HASHERS_ARGON2_ITERATIONS: '1',
    TESSERA_KEYS_GENERATE_MISSING: 'false',
    SESSION_WHOAMI_TOKENIZER_TEMPLATES: '{}',
    ...extra,
  };
}
