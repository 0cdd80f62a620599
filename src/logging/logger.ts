import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Structured JSON logs (pino). Secrets never reach a log call on purpose; the redaction list is a second line of
 * defence for fields that might carry them by accident.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tessera' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'password',
          '*.password',
          'hashed_password',
          '*.hashed_password',
          'token',
          '*.token',
          'session_token',
          '*.session_token',
          'logout_token',
          '*.logout_token',
          'api_key',
          '*.api_key',
          'headers.authorization',
          'headers.cookie',
          'headers["x-session-token"]',
          'd',
          '*.d',
          'key',
          '*.key',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

export type { Logger };
