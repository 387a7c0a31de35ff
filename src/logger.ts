import { pino, type Logger } from 'pino';

/** Paths pino replaces with [redacted]: keys, tokens, passphrases, endpoint secret settings. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  '*.authorization',
  '*.Authorization',
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
