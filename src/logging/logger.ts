import { pino, type DestinationStream, type Logger } from 'pino';
import { BufferedDestination } from './buffered-destination.js';

/**
 * Structured JSON logs (pino). Secrets never reach a log call on purpose; the redaction list is a second line of
 * defence for fields that might carry them by accident. Without a destination, lines go to stdout through a
 * BufferedDestination (see there for what a crash can lose); flush the logger before the process ends.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tessera' },
      timestamp: isoTimeField,
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
    destination ?? new BufferedDestination(1),
  );
}

/** Waits until every line logged so far has been written out (and fsynced, where the destination can). */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}

let lastMs = -1;
let lastField = '';

/**
 * pino's `isoTime` (`,"time":"2026-12-03T08:00:00.000Z"`), formatted once per millisecond: under load many lines
 * share a millisecond, and formatting a date costs more than the rest of an access-log line.
 */
export function isoTimeField(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastField = `,"time":"${new Date(ms).toISOString()}"`;
  }
  return lastField;
}

export type { Logger };
