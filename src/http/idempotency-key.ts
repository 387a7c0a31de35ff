import type { FastifyRequest } from 'fastify';
import { hubError } from '../errors.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The request's `Idempotency-Key` header (1–255 visible ASCII characters), if it has one. */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const value = request.headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY.test(value)) {
    throw hubError('HUB_ERR_VALIDATION', [], [{ path: 'headers/idempotency-key', message: 'must be 1–255 visible ASCII characters' }]);
  }
  return value;
}
