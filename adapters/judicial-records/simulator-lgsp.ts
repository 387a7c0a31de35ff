import { timingSafeEqual } from 'node:crypto';
import { parseJsonObject } from '../../src/adapters/json-values.js';
import { json, lgspError, type SimAnswer, type SimRequest } from './simulator-answer.js';
import { LGSP_STATUS_NAMES, type SimApplication, type SimStore } from './simulator-store.js';
import { numeric, registrationProblems } from './simulator-validation.js';

/**
 * The simulated LGSP: its OAuth2 token endpoint (WSO2 API Manager conventions, docs/domain-vn.md §7)
 * and the five LLTP calls (§6.1; `ketQuaXuLy` is an inference). Codes and phrases: `STATUS 1` success,
 * else the error code of the civil-registry family (100 AUTHEN_ERROR, 200 RECORD_UNCOMPLETE,
 * 201 RECORD_NOT_FOUND, 500 DATA_INCORRECT) with its name in `DESCRIPTION`.
 */

const NOT_FOUND = lgspError('201', 'RECORD_NOT_FOUND - Hồ sơ không tồn tại, đề nghị xem lại số phiếu tiếp nhận.');
// WSO2's answer to a missing, unknown or expired bearer token (the call never reaches the service).
const INVALID_TOKEN: SimAnswer = {
  httpStatus: 401,
  body: { fault: { code: 900901, message: 'Invalid Credentials', description: 'Invalid Credentials. Make sure you have provided the correct security credentials' } },
  headers: { 'www-authenticate': 'OAuth2 realm="WSO2 API Manager", error="invalid_token"' },
};

/** `POST /<mailbox>/token`: client credentials with HTTP Basic. */
export function tokenEndpoint(req: SimRequest): SimAnswer {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
  const decoded = basic ? Buffer.from(basic[1] as string, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon <= 0) return json({ error: 'invalid_client', error_description: 'Client Authentication failed.' }, 401);
  if (new URLSearchParams(req.text).get('grant_type') !== 'client_credentials') return json({ error: 'unsupported_grant_type', error_description: 'Unsupported grant_type value' }, 400);
  const consumerKey = decoded.slice(0, colon);
  const presented = Buffer.from(decoded.slice(colon + 1));
  const expected = Buffer.from(req.store.consumerSecret(consumerKey) ?? '');
  if (expected.length === 0 || expected.length !== presented.length || !timingSafeEqual(expected, presented)) {
    return json({ error: 'invalid_client', error_description: `A valid OAuth client could not be found for client_id: ${consumerKey}` }, 401);
  }
  const { token, expiresIn } = req.store.issueToken(req.mailbox, consumerKey);
  return json({ access_token: token, scope: 'am_application_scope default', token_type: 'Bearer', expires_in: expiresIn });
}

/** The gateway's check of the bearer token, before any LGSP call: the consumer it was issued to, or the refusal. */
export function gatewayCheck(req: SimRequest): { client: string } | { refusal: SimAnswer } {
  const bearer = /^Bearer\s+(\S+)$/.exec(req.headers.authorization ?? '');
  const client = bearer ? req.store.tokenClient(req.mailbox, bearer[1] as string) : undefined;
  return client === undefined ? { refusal: INVALID_TOKEN } : { client };
}

type LgspHandler = (req: SimRequest, body: Record<string, unknown>) => SimAnswer;

/** The LLTP calls, by operation name. */
export const LGSP_HANDLERS: Readonly<Record<'nhanHoSoDangKy' | 'traTrangThaiHs' | 'traDsTrangThaiHs' | 'danhDauHsThanhCong' | 'ketQuaXuLy', LgspHandler>> = {
  nhanHoSoDangKy(req, body) {
    const problems = registrationProblems(body, req.formKeys);
    if (problems.length > 0) return lgspError('500', `DATA_INCORRECT - ${problems.slice(0, 5).join('; ')}`);
    const key = String(body.idReceivedDec);
    const existing = req.store.find('lgsp', req.mailbox, key);
    // The only sign of a duplicate is the text (inference: the phrase is the family's "đã tồn tại").
    if (existing) return json({ STATUS: '500', DESCRIPTION: `DATA_INCORRECT - Hồ sơ có số phiếu tiếp nhận ${key} đã tồn tại trên hệ thống`, ID: existing.id });
    return json({ STATUS: '1', DESCRIPTION: '', ID: req.store.add('lgsp', req.mailbox, key, body).id });
  },
  traTrangThaiHs(req, body) {
    const infoType = numeric(body.infoType);
    if (infoType !== 1 && infoType !== 2) return lgspError('500', 'DATA_INCORRECT - infoType: is not one of 1, 2');
    if (typeof body.idReceivedDec !== 'string' || body.idReceivedDec === '') return lgspError('500', 'DATA_INCORRECT - idReceivedDec: is required');
    if (infoType === 1 && !body.identifyNo) return lgspError('500', 'DATA_INCORRECT - identifyNo: is required for infoType 1');
    // Only one-stop filings are simulated: an appointment number (infoType 1) is never found.
    const application = infoType === 2 ? req.store.find('lgsp', req.mailbox, body.idReceivedDec) : undefined;
    return application ? json({ STATUS: '1', DESCRIPTION: '', ...statusFields(req.store, application) }) : NOT_FOUND;
  },
  traDsTrangThaiHs(req, body) {
    const infoType = numeric(body.infoType);
    if (infoType !== 1 && infoType !== 2) return lgspError('500', 'DATA_INCORRECT - infoType: is not one of 1, 2');
    const changed = infoType === 1 ? [] : req.store.applications.filter((a) => a.variant === 'lgsp' && a.mailbox === req.mailbox && req.store.statusOf(a) !== a.readStatus);
    return json({ STATUS: '1', DESCRIPTION: '', LISTCONTENT: changed.map((a) => ({ DECLARATION_ID: a.id, RECEIVE_NO: a.key, ...statusFields(req.store, a) })) });
  },
  danhDauHsThanhCong(req, body) {
    const infoType = numeric(body.infoType);
    if (infoType !== 1 && infoType !== 2 && infoType !== 3) return lgspError('500', 'DATA_INCORRECT - infoType: is not one of 1, 2, 3');
    if (typeof body.declarationId !== 'string' || body.declarationId === '') return lgspError('500', 'DATA_INCORRECT - declarationId: is required');
    for (const id of body.declarationId.split(';')) {
      const application = req.store.applications.find((a) => a.variant === 'lgsp' && a.mailbox === req.mailbox && a.id === id.trim());
      if (application && infoType === 2) application.readStatus = req.store.statusOf(application);
    }
    return json({ STATUS: '1', DESCRIPTION: '' });
  },
  ketQuaXuLy(req, body) {
    if (typeof body.idReceivedDec !== 'string' || body.idReceivedDec === '') return lgspError('500', 'DATA_INCORRECT - idReceivedDec: is required');
    const application = req.store.find('lgsp', req.mailbox, body.idReceivedDec);
    if (!application) return NOT_FOUND;
    const certificate = req.store.certificateOf(application);
    return certificate ? json({ STATUS: '1', DESCRIPTION: '', ketQuaXuLy: certificate }) : lgspError('200', 'RECORD_UNCOMPLETE - Hồ sơ chưa có kết quả');
  },
};

/** Runs an LLTP call on a JSON object body; the service refuses anything else with HTTP 400. */
export function lgspCall(operation: keyof typeof LGSP_HANDLERS, req: SimRequest): SimAnswer {
  const body = parseJsonObject(req.text);
  return body ? LGSP_HANDLERS[operation](req, body) : { ...lgspError('500', 'DATA_INCORRECT - Dữ liệu gửi lên không phải JSON'), httpStatus: 400 };
}

/** `DEC_STATUS_ID` and its name, and the dates once the certificate exists. */
function statusFields(store: SimStore, application: SimApplication): Record<string, string> {
  const code = store.statusOf(application);
  const certificate = store.certificateOf(application);
  return {
    DEC_STATUS_ID: code,
    DEC_STATUS_NAME: LGSP_STATUS_NAMES[code] ?? `Trạng thái ${code}`,
    ...(certificate && { APPROVE_DATE: certificate.ngayCapPhieu, ISSUE_DATE: certificate.ngayCapPhieu }),
  };
}

