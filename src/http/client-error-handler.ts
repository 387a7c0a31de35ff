import { randomUUID } from 'node:crypto';
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { hubError } from '../errors.js';

/**
 * Answers a request Node's HTTP parser refused before Fastify saw it — a header value with a bare
 * CR, LF or NUL (header injection), obs-fold, a bad request line, headers over the size limit — in
 * the hub's error shape with a `HUB_ERR_*` code, where Fastify's default answers an uncoded
 * `{"error":"Bad Request"}`. The connection is closed after the answer: its framing is unknown.
 */
export function clientErrorHandler(log: Logger): (err: Error & { code?: string }, socket: Socket) => void {
  return (err, socket) => {
    // A reset connection, or one already gone: nobody to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const errorId = randomUUID();
    const coded = err.code === 'HPE_HEADER_OVERFLOW'
      ? { code: 'HUB_ERR_BODY_TOO_LARGE', statusCode: 413, message: `The request headers exceed the limit of ${maxHeaderSize} bytes` }
      : hubError('HUB_ERR_MALFORMED_BODY', [`the HTTP request is malformed (${err.code ?? 'parse error'})`]);
    log.info({ code: coded.code, errorId, parserError: err.code }, coded.message);
    if (socket.writable) {
      const body = JSON.stringify({ code: coded.code, message: coded.message, errorId });
      socket.write(`HTTP/1.1 ${coded.statusCode} ${STATUS_CODES[coded.statusCode]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    }
    socket.destroy();
  };
}
