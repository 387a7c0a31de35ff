import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths pino replaces with [redacted]: keys, session cookies, CSRF tokens, passwords, passphrases, endpoint secret settings. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  '*.authorization',
  '*.Authorization',
  'headers.cookie',
  '*.headers.cookie',
  'headers["set-cookie"]',
  '*.headers["set-cookie"]',
  'headers["x-csrf-token"]',
  '*.headers["x-csrf-token"]',
  '*.csrfToken',
  '*.password',
  '*.passphrase',
  '*.secret',
  '*.token',
  '*.apiKey',
  'settings.headers',
  '*.settings.headers',
];

/** The hub's logger: JSON lines to stdout, or to `destination` (tests read them). */
export function createLogger(level: string, options: { name?: string; destination?: DestinationStream } = {}): Logger {
  const settings = { level, name: options.name ?? 'lienthong', redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
