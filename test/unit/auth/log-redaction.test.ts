import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { REDACT_PATHS } from '../../../src/logger.js';

describe('log redaction of console credentials', () => {
  it('session cookies, CSRF tokens and passwords never reach the log', () => {
    let out = '';
    const sink = new Writable({ write(chunk, _encoding, done) { out += String(chunk); done(); } });
    const log = pino({ redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
    log.info({
      req: { headers: { cookie: 'lt_session=lts_SECRET1', 'x-csrf-token': 'SECRET2' } },
      res: { headers: { 'set-cookie': 'lt_session=lts_SECRET3; HttpOnly' } },
      body: { username: 'an', password: 'SECRET4' },
      session: { csrfToken: 'SECRET5' },
    }, 'request');
    expect(out).toContain('"username":"an"');
    expect(out).not.toMatch(/SECRET/);
    expect(out.match(/\[redacted\]/g)).toHaveLength(5);
  });
});
