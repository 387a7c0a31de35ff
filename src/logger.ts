import { pino, type Logger } from 'pino';

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

export function createLogger(level: string, options: { name?: string } = {}): Logger {
  return pino({ level, name: options.name ?? 'lienthong', redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}
