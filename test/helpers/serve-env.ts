import { join } from 'node:path';

/**
 * Environment overrides for a `tessera serve` child process on its own SQLite file: OS-chosen ports, cheap argon2
 * unless the test asks otherwise, no signing keys to generate, and the schema from the repository.
 */
export function serveEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DSN: `sqlite://${join(dir, 'tessera.db')}?_fk=true`,
    SERVE_PUBLIC_PORT: '0',
    SERVE_ADMIN_PORT: '0',
    HASHERS_ARGON2_MEMORY: '8MB',
    HASHERS_ARGON2_ITERATIONS: '1',
    TESSERA_KEYS_GENERATE_MISSING: 'false',
    SESSION_WHOAMI_TOKENIZER_TEMPLATES: '{}',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export function databaseFile(dir: string): string {
  return join(dir, 'tessera.db');
}
