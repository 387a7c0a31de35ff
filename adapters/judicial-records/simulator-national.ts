import { timingSafeEqual } from 'node:crypto';
import { parseJsonObject } from '../../src/adapters/json-values.js';
import { json, nationalError, type SimAnswer, type SimRequest } from './simulator-answer.js';
import { nationalProblems } from './simulator-validation.js';

/**
 * The simulated national LLTP system (docs/domain-vn.md §6.2): the submission answers in words —
 * "Gửi thông tin thành công", or for a dossier it already has "… đã được tiếp nhận, không thể cập nhật
 * thông tin" (the phrases S3 looks for); the result look-up answers `{status, statusDescription,
 * value[{maHoSoMCDT, trangThaiXuLy, ketQuaXuLy}]}`. Refusals are HTTP 200 with an error code
 * (inference: S3 reads the text whatever the status).
 */

/** `POST /<mailbox>/lltp-btp/guiHoSo`. */
export function nationalSubmit(req: SimRequest): SimAnswer {
  const body = parseJsonObject(req.text);
  if (!body) return nationalError('500', 'DATA_INCORRECT - Dữ liệu gửi lên không phải JSON');
  const refused = authRefusal(req, body);
  if (refused) return nationalError(refused.code, refused.description);
  const problems = nationalProblems(body);
  if (problems.length > 0) return nationalError('500', `DATA_INCORRECT - ${problems.slice(0, 5).join('; ')}`);
  const key = String(body.maHoSoMCDT);
  if (req.store.find('national', req.mailbox, key)) {
    return json({ status: '0', statusDescription: `Hồ sơ ${key} đã được tiếp nhận, không thể cập nhật thông tin`, errorCode: '', errorDescription: '' });
  }
  req.store.add('national', req.mailbox, key, body);
  return json({ status: '1', statusDescription: 'Gửi thông tin thành công', errorCode: '', errorDescription: '' });
}

/** `POST /<mailbox>/lltp-btp/traKetQua`: `{authKey, maTinh, maHoSoMCDT}`. */
export function nationalResult(req: SimRequest): SimAnswer {
  const body = parseJsonObject(req.text);
  if (!body) return json({ status: 0, statusDescription: 'DATA_INCORRECT - Dữ liệu gửi lên không phải JSON', value: [] });
  const refused = authRefusal(req, body);
  if (refused) return json({ status: 0, statusDescription: refused.description, value: [] });
  const key = typeof body.maHoSoMCDT === 'string' ? body.maHoSoMCDT : '';
  const application = key ? req.store.find('national', req.mailbox, key) : undefined;
  if (!application) return json({ status: 0, statusDescription: 'RECORD_NOT_FOUND - Hồ sơ không tồn tại', value: [] });
  const certificate = req.store.certificateOf(application);
  return json({
    status: 1,
    statusDescription: 'Thành công',
    value: [{ maHoSoMCDT: application.key, trangThaiXuLy: req.store.statusOf(application), ketQuaXuLy: certificate ?? null }],
  });
}

/** The province key check: an unknown `maTinh` (108) or a wrong `authKey` (100). */
function authRefusal(req: SimRequest, body: Record<string, unknown>): { code: string; description: string } | undefined {
  const maTinh = typeof body.maTinh === 'string' ? body.maTinh : '';
  const expected = Buffer.from(req.store.provinceKey(maTinh) ?? '');
  if (expected.length === 0) return { code: '108', description: 'PROVINCE_ID_INCORRECT - Mã tỉnh không chính xác.' };
  const presented = Buffer.from(typeof body.authKey === 'string' ? body.authKey : '');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return { code: '100', description: 'AUTHEN_ERROR - Mã xác thực không chính xác.' };
  return undefined;
}
