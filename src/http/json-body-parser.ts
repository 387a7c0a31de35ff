import type { FastifyInstance } from 'fastify';
import { hubError } from '../errors.js';
import { jsonShapeProblem } from './json-shape.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Replaces Fastify's JSON parser with a strict one, for every route: the body must be UTF-8 (RFC
 * 8259) — declared (`charset=utf-8` or none: another charset is `415 HUB_ERR_UNSUPPORTED_MEDIA_TYPE`)
 * and actual (a byte sequence that is not UTF-8 is `400 HUB_ERR_MALFORMED_BODY`, where Fastify's
 * parser would have stored U+FFFD in its place) —, is parsed by Fastify's own (prototype-poisoning
 * checks kept), and must have a sane shape (`jsonShapeProblem`: depth, lone surrogates). Bodies are
 * still held to the app's `bodyLimit` while they arrive.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parseText = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const charset = charsetOf(request.headers['content-type']);
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      done(hubError('HUB_ERR_UNSUPPORTED_MEDIA_TYPE', [`${request.headers['content-type']} (JSON is UTF-8)`]), undefined);
      return;
    }
    let text: string;
    try {
      text = UTF8.decode(body as Buffer);
    } catch {
      done(hubError('HUB_ERR_MALFORMED_BODY', ['the body is not valid UTF-8']), undefined);
      return;
    }
    parseText(request, text, (err, value) => {
      if (err) {
        done(err, undefined);
        return;
      }
      const problem = jsonShapeProblem(value);
      if (problem !== undefined) done(hubError('HUB_ERR_MALFORMED_BODY', [problem]), undefined);
      else done(null, value);
    });
  });
}

/** The `charset` parameter of a Content-Type, lower-cased and unquoted; undefined when there is none. */
function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '');
  return match ? match[1]!.toLowerCase() : undefined;
}
