import type { SimReply } from './simulator-context.js';
import type { CivilRegistryStore } from './simulator-store.js';

/**
 * The gateway's `/token` (docs/domain-vn.md §7, WSO2 API Manager conventions [I]): form
 * `grant_type=client_credentials`, client authenticated by HTTP Basic consumer key:secret →
 * `{access_token, scope, token_type: "Bearer", expires_in}`; an unknown client or wrong secret →
 * 401 `invalid_client`; another grant → 400 `unsupported_grant_type`.
 */
export function tokenEndpoint(headers: Record<string, string>, body: Buffer, mailbox: string, store: CivilRegistryStore, ttlSeconds: number): SimReply {
  if (!(headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return { httpStatus: 400, body: { error: 'invalid_request', error_description: 'Content-Type must be application/x-www-form-urlencoded' } };
  }
  const form = new URLSearchParams(body.toString('utf8'));
  if (form.get('grant_type') !== 'client_credentials') return { httpStatus: 400, body: { error: 'unsupported_grant_type', error_description: 'Unsupported grant_type value' } };
  const client = basicCredentials(headers.authorization);
  if (!client || !store.authenticates(client.key, client.secret)) {
    return { httpStatus: 401, body: { error: 'invalid_client', error_description: 'Client Authentication failed.' } };
  }
  const token = store.issueToken(mailbox, client.key, ttlSeconds);
  return { httpStatus: 200, body: { access_token: token.value, scope: 'am_application_scope default', token_type: 'Bearer', expires_in: ttlSeconds } };
}

function basicCredentials(header: string | undefined): { key: string; secret: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? { key: decoded.slice(0, colon), secret: decoded.slice(colon + 1) } : undefined;
}

/** The refusal of a data call without a good token: btp behind the API manager (HTTP 401, its fault body [I]); lgsp 100 AUTHEN_ERROR (§5.1). */
export function tokenRefusal(variant: 'btp' | 'lgsp'): SimReply {
  return variant === 'btp'
    ? { httpStatus: 401, body: { fault: { code: 900901, message: 'Invalid Credentials', description: 'Invalid Credentials. Make sure you have provided the correct security credentials' } } }
    : { httpStatus: 200, body: { status: 0, statusDescription: 'Thất bại', errorCode: '100', errorDescription: 'AUTHEN_ERROR - Mã xác thực không chính xác' } };
}
