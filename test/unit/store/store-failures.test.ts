import { describe, expect, it } from 'vitest';
import { isStorageFull, isStoreUnavailable } from '../../../src/store/store-failures.js';

const coded = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });

describe('isStoreUnavailable', () => {
  it.each([
    ['a refused connection', coded('ECONNREFUSED')],
    ['a reset connection', coded('ECONNRESET')],
    ['SQLSTATE 57P01 (admin shutdown)', coded('57P01', 'terminating connection due to administrator command')],
    ['SQLSTATE 57P03 (starting up)', coded('57P03', 'the database system is starting up')],
    ['SQLSTATE 08006 (connection failure)', coded('08006')],
    ['node-postgres: connection terminated', new Error('Connection terminated unexpectedly')],
    ['node-postgres: connect timeout', new Error('timeout exceeded when trying to connect')],
    ['a cause two levels down', new Error('insert failed', { cause: new Error('wrapped', { cause: coded('ECONNREFUSED') }) })],
    ['an AggregateError of refused addresses (::1 and 127.0.0.1)', new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')])],
  ])('is true for %s', (_, err) => expect(isStoreUnavailable(err)).toBe(true));

  it.each([
    ['a unique violation', coded('23505', 'duplicate key value')],
    ['a syntax error', coded('42601')],
    ['a disk full', coded('53100')],
    ['a plain error', new Error('boom')],
    ['not an error', 'ECONNREFUSED'],
  ])('is false for %s', (_, err) => expect(isStoreUnavailable(err)).toBe(false));
});

describe('isStorageFull', () => {
  it.each([['ENOSPC', coded('ENOSPC')], ['EDQUOT', coded('EDQUOT')], ['SQLSTATE 53100', coded('53100')], ['a cause', new Error('x', { cause: coded('ENOSPC') })]])(
    'is true for %s', (_, err) => expect(isStorageFull(err)).toBe(true));
  it.each([['EACCES', coded('EACCES')], ['ECONNREFUSED', coded('ECONNREFUSED')], ['a plain error', new Error('full')]])(
    'is false for %s', (_, err) => expect(isStorageFull(err)).toBe(false));
});
