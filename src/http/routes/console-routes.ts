import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleAssets } from '../../console/console-assets.js';
import { CONSOLE_CSP, consolePage } from '../../console/console-page.js';
import { hubError } from '../../errors.js';

export interface ConsoleRoutesDeps {
  assets: ConsoleAssets;
}

/** A versioned asset never changes under its URL: cache it for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY');
}

const accepts = (request: FastifyRequest, encoding: string): boolean =>
  String(request.headers['accept-encoding'] ?? '').split(',').some((e) => e.trim().split(';')[0] === encoding);

/**
 * The web console (`src/console/web/`, Preact + htm as native modules): its page and its files,
 * for anyone — they hold no data; every figure comes from the API under the visitor's session.
 * The page is revalidated on each visit (`no-cache`), so it always names the current build; the
 * files sit under `/console/v/<build>/`, immutable.
 */
export async function consoleRoutes(app: FastifyInstance, deps: ConsoleRoutesDeps): Promise<void> {
  const page = consolePage(deps.assets.build);
  const pageHeaders = { summary: 'The web console (HTML; the app runs in the browser against the API)', tags: ['console'], security: [] };

  app.get('/console', { schema: { ...pageHeaders, hide: true } }, async (_request, reply) => reply.redirect('/console/', 302));

  app.get('/console/', { schema: pageHeaders }, async (_request, reply) => {
    return securityHeaders(reply).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page);
  });

  app.get<{ Params: { '*': string } }>('/console/*', { schema: { summary: 'A file of the web console (versioned, immutable)', tags: ['console'], security: [], hide: true } }, async (request, reply) => {
    // 1. v/<build>/<name>, of this build only: an old page's files are gone, not served stale under a name that promises otherwise.
    const match = /^v\/([0-9a-f]{16})\/(.+)$/.exec(request.params['*']);
    const found = match && match[1] === deps.assets.build ? deps.assets.byName.get(match[2]!) : undefined;
    if (!found) throw hubError('HUB_ERR_NOT_FOUND', ['Console file']);
    // 2. conditional and compressed answers.
    securityHeaders(reply).header('cache-control', IMMUTABLE).header('etag', found.etag).header('vary', 'accept-encoding').type(found.contentType);
    if (request.headers['if-none-match'] === found.etag) return reply.status(304).send();
    if (found.gzip && accepts(request, 'gzip')) return reply.header('content-encoding', 'gzip').send(found.gzip);
    return reply.send(found.body);
  });
}
