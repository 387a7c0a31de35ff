import { isJsonObject } from '../../src/adapters/json-values.js';
import { DEFAULT_MODULE_CODES, payloadTypeOfModule, XML_ROOTS } from './modules.js';
import { registrationFromXml } from './registration-xml.js';
import { isDossierNumber, isVnDateTime, officeCode } from './simulator-checks.js';
import { dataIncorrect, refused, type SimContext, type SimReply } from './simulator-context.js';
import { settleIfDue } from './simulator-results.js';
import type { SimulatedRegistration } from './simulator-store.js';
import { RESULT_CODES } from './status-map.js';

const MODULES = DEFAULT_MODULE_CODES.lgsp;
const MAX_XML_CHARS = 1024 * 1024;

/** traTrangThaiHoSo states and their descriptions (docs/domain-vn.md §5.1, S4). */
const STATE_TEXT: Readonly<Record<string, string>> = {
  '1': 'Đã tiếp nhận hồ sơ, chờ xử lý',
  '2': 'Hồ sơ cần bổ sung thông tin',
  '3': 'Hồ sơ đủ điều kiện giải quyết',
  '4': 'Đã hoàn thành đăng ký',
};

const NOT_FOUND = (): SimReply => refused('201', 'RECORD_NOT_FOUND - Hồ sơ không tồn tại, đề nghị xem lại số phiếu tiếp nhận.', 0);

/**
 * `dangKyHoTich` (§5.1): `maDonVi` a Long, `module` [I: KS/KT/KH], `maHoSo` the one-stop receipt
 * number, `ngayTiepNhan` [I: `dd/MM/yyyy HH:mm:ss`], `data` the registration as XML — parsed, its
 * root checked against the module [I], its fields put through the module's checks. Answers use
 * numbers for `status` [I]; refusals carry the guide's codes (106, 500); a number the office already
 * holds gets the "already received" text [I] and is not stored again.
 */
export async function dangKyHoTich(ctx: SimContext): Promise<SimReply> {
  const body = ctx.body;
  if (!isJsonObject(body)) return dataIncorrect('thân yêu cầu không phải JSON', 0);
  const maDonVi = officeCode(body.maDonVi);
  if (!maDonVi || (ctx.offices && !ctx.offices.has(maDonVi))) return refused('106', 'AGENCY_ID_INCORRECT - Mã đơn vị không chính xác.', 0);
  const payloadType = typeof body.module === 'string' ? payloadTypeOfModule(MODULES, body.module) : undefined;
  if (!payloadType) return dataIncorrect(`module phải là một trong ${Object.values(MODULES).join(', ')}`, 0);
  if (!isDossierNumber(body.maHoSo)) return dataIncorrect('maHoSo không đúng định dạng số phiếu tiếp nhận', 0);
  if (!isVnDateTime(body.ngayTiepNhan)) return dataIncorrect('ngayTiepNhan phải có dạng dd/MM/yyyy HH:mm:ss', 0);
  if (typeof body.data !== 'string' || body.data.length === 0 || body.data.length > MAX_XML_CHARS) return dataIncorrect('data phải là chuỗi XML', 0);

  let parsed: { root: string; registration: Record<string, unknown> };
  try {
    parsed = await registrationFromXml(body.data);
  } catch (err) {
    return dataIncorrect(`data không phải XML hợp lệ (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`, 0);
  }
  if (parsed.root !== XML_ROOTS[payloadType]) return dataIncorrect(`phần tử gốc phải là <${XML_ROOTS[payloadType]}> với module ${body.module as string}`, 0);
  const problem = ctx.checks.xml(payloadType, parsed.registration);
  if (problem) return dataIncorrect(problem, 0);

  const stored: SimulatedRegistration = {
    mailbox: ctx.mailbox,
    variant: 'lgsp',
    payloadType,
    maDonVi,
    module: body.module as string,
    maHoSo: body.maHoSo,
    ngayTiepNhan: body.ngayTiepNhan,
    registration: parsed.registration,
    files: [],
    receivedAt: ctx.now,
    trangThai: '1',
    changedAt: ctx.now,
  };
  if (!ctx.store.register(stored)) return refused('500', `DATA_INCORRECT - Hồ sơ có số phiếu tiếp nhận ${body.maHoSo} đã được tiếp nhận.`, 0);
  return { httpStatus: 200, body: { status: 1, statusDescription: 'Gửi thông tin thành công' } };
}

/** `traTrangThaiHoSo` (§5.1): the state as `status` 1–4 with its description (and what to supplement, for 2). */
export function traTrangThaiHoSo(ctx: SimContext): SimReply {
  const found = lookUp(ctx);
  if ('httpStatus' in found) return found;
  settleIfDue(found, ctx.resultAfterMs, ctx.now);
  const text = STATE_TEXT[found.trangThai] ?? '';
  const detail = found.trangThai === '2' && found.noiDungXuLy ? `${text}: ${found.noiDungXuLy}` : text;
  return { httpStatus: 200, body: { status: Number(found.trangThai), statusDescription: detail } };
}

/** `ketQuaDangKyHS` (§5.1): `status` 1 and the result [I: in `value`] once registered, else 200 RECORD_UNCOMPLETE. */
export function ketQuaDangKyHS(ctx: SimContext): SimReply {
  const found = lookUp(ctx);
  if ('httpStatus' in found) return found;
  settleIfDue(found, ctx.resultAfterMs, ctx.now);
  if (found.trangThai !== RESULT_CODES.lgsp || !found.ketQuaXuLy) return refused('200', 'RECORD_UNCOMPLETE – Hồ sơ chưa hoàn thành đăng ký.', 0);
  return { httpStatus: 200, body: { status: 1, statusDescription: 'Giao dịch thành công', value: found.ketQuaXuLy } };
}

function lookUp(ctx: SimContext): SimulatedRegistration | SimReply {
  const body = ctx.body;
  if (!isJsonObject(body)) return dataIncorrect('thân yêu cầu không phải JSON', 0);
  const maDonVi = officeCode(body.maDonVi);
  if (!maDonVi || (ctx.offices && !ctx.offices.has(maDonVi))) return refused('106', 'AGENCY_ID_INCORRECT - Mã đơn vị không chính xác.', 0);
  if (typeof body.maHoSo !== 'string' || body.maHoSo === '') return NOT_FOUND();
  return ctx.store.find(ctx.mailbox, 'lgsp', body.maHoSo, maDonVi) ?? NOT_FOUND();
}
