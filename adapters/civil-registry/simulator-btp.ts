import { isJsonObject, parseJsonObject } from '../../src/adapters/json-values.js';
import { DEFAULT_MODULE_CODES, payloadTypeOfModule } from './modules.js';
import { isDossierNumber, isVnDateTime, officeCode } from './simulator-checks.js';
import { dataIncorrect, refused, type SimContext, type SimReply } from './simulator-context.js';
import { settleIfDue } from './simulator-results.js';
import type { SimulatedFile, SimulatedRegistration } from './simulator-store.js';
import { formatVnDateTime } from './vn-time.js';

const MODULES = DEFAULT_MODULE_CODES.btp;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * `NhanDKHT` (docs/domain-vn.md §5.2): checks the request as the system must — module code, the
 * dossier numbers, `ngayTiepNhan` `dd/MM/yyyy HH:mm:ss`, `data` a JSON registration passing the
 * module's field checks, documents with names and base64 — and stores it. A dossier number the
 * office already holds is answered with the "already received" text S3 recognises, and not stored
 * again. Answer `{status "1", statusDescription, errorCode, errorDescription}`; refusals `status "0"`
 * with 500 DATA_INCORRECT and details [I: the BTP API's own codes are not public].
 */
export function nhanDkht(ctx: SimContext): SimReply {
  const body = ctx.body;
  if (!isJsonObject(body)) return dataIncorrect('thân yêu cầu không phải JSON');
  const maDonVi = officeCode(body.maDonVi);
  if (!maDonVi) return dataIncorrect('maDonVi bắt buộc, là mã đơn vị hành chính');
  if (ctx.offices && !ctx.offices.has(maDonVi)) return refused('106', 'AGENCY_ID_INCORRECT - Mã đơn vị không chính xác.');
  const payloadType = typeof body.module === 'string' ? payloadTypeOfModule(MODULES, body.module) : undefined;
  if (!payloadType) return dataIncorrect(`module phải là một trong ${Object.values(MODULES).join(', ')}`);
  if (typeof body.maHoSoLT !== 'string' || body.maHoSoLT === '') return dataIncorrect('maHoSoLT bắt buộc');
  if (!isDossierNumber(body.maHoSoMCDT)) return dataIncorrect('maHoSoMCDT không đúng định dạng mã hồ sơ');
  if (!isVnDateTime(body.ngayTiepNhan)) return dataIncorrect('ngayTiepNhan phải có dạng dd/MM/yyyy HH:mm:ss');
  const registration = parseData(body.data);
  if (!registration) return dataIncorrect('data phải là chuỗi JSON của đối tượng hộ tịch');
  const problem = ctx.checks.json(payloadType, registration);
  if (problem) return dataIncorrect(problem);
  const files = readFiles(body.fileDinhKem);
  if (typeof files === 'string') return dataIncorrect(files);

  const stored: SimulatedRegistration = {
    mailbox: ctx.mailbox,
    variant: 'btp',
    payloadType,
    maDonVi,
    module: body.module as string,
    maHoSo: body.maHoSoMCDT,
    maHoSoLT: body.maHoSoLT,
    ngayTiepNhan: body.ngayTiepNhan,
    registration,
    files,
    receivedAt: ctx.now,
    trangThai: '1',
    changedAt: ctx.now,
  };
  if (!ctx.store.register(stored)) return refused('', `Hồ sơ ${body.maHoSoMCDT} đã được tiếp nhận trên hệ thống, không tiếp nhận lại.`);
  return { httpStatus: 200, body: { status: '1', statusDescription: 'Tiếp nhận hồ sơ thành công', errorCode: '', errorDescription: '' } };
}

/**
 * `LayKetQua` (§5.2): `{maDinhDanhHoSo[], maTinh, module}` → `{status 1, statusDescription, value[]}`,
 * one item per dossier the system holds under that module (unknown numbers are left out [I]); more
 * numbers than the configured limit (S3 sends 3) are refused [I].
 */
export function layKetQua(ctx: SimContext): SimReply {
  const body = ctx.body;
  if (!isJsonObject(body)) return dataIncorrect('thân yêu cầu không phải JSON', 0);
  const numbers = body.maDinhDanhHoSo;
  if (!Array.isArray(numbers) || numbers.length === 0 || !numbers.every((n) => typeof n === 'string' && n !== '')) {
    return dataIncorrect('maDinhDanhHoSo phải là danh sách mã hồ sơ', 0);
  }
  if (numbers.length > ctx.resultChunkLimit) return refused('', `Số lượng hồ sơ tra cứu vượt quá giới hạn cho phép (tối đa ${ctx.resultChunkLimit} hồ sơ mỗi lần).`, 0);
  if (typeof body.maTinh !== 'string' || !/^[0-9]{1,3}$/.test(body.maTinh)) return dataIncorrect('maTinh bắt buộc', 0);
  if (ctx.maTinh !== undefined && body.maTinh !== ctx.maTinh) return refused('108', 'PROVINCE_ID_INCORRECT - Mã tỉnh không chính xác.', 0);
  const payloadType = typeof body.module === 'string' ? payloadTypeOfModule(MODULES, body.module) : undefined;
  if (!payloadType) return refused('302', 'DATA_TYPE_INVALID - Mã nghiệp vụ không hợp lệ.', 0);

  const value = (numbers as string[]).flatMap((number) => {
    const found = ctx.store.find(ctx.mailbox, 'btp', number);
    if (!found || found.payloadType !== payloadType) return [];
    settleIfDue(found, ctx.resultAfterMs, ctx.now);
    return [resultItem(found, body.maTinh as string)];
  });
  return { httpStatus: 200, body: { status: 1, statusDescription: 'Thành công', value } };
}

function resultItem(r: SimulatedRegistration, maTinh: string): Record<string, unknown> {
  return {
    maDonVi: r.maDonVi,
    maTinh,
    module: r.module,
    maHoSoLT: r.maHoSoLT ?? '',
    maHoSoMCDT: r.maHoSo,
    errors: null,
    trangThai: r.trangThai,
    thoiGianThucHien: formatVnDateTime(r.changedAt),
    ghiChu: r.ghiChu ?? null,
    ketQuaXuLy: r.ketQuaXuLy ?? null,
    nguoiXuLy: r.officer?.nguoiXuLy ?? null,
    chucDanh: r.officer?.chucDanh ?? '',
    phongBanXuLy: r.officer?.phongBanXuLy ?? '',
    noiDungXuLy: r.noiDungXuLy ?? null,
    hanBoSungHoSo: r.hanBoSungHoSo ?? null,
  };
}

function parseData(data: unknown): Record<string, unknown> | undefined {
  return typeof data === 'string' ? parseJsonObject(data) : undefined;
}

function readFiles(value: unknown): SimulatedFile[] | string {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return 'fileDinhKem phải là danh sách';
  const files: SimulatedFile[] = [];
  for (const [i, item] of value.entries()) {
    if (!isJsonObject(item)) return `fileDinhKem[${i}] không hợp lệ`;
    if (!Number.isInteger(item.id) || !Number.isInteger(item.loaiGiayTo)) return `fileDinhKem[${i}]: id và loaiGiayTo là số nguyên`;
    if (typeof item.tenGiayTo !== 'string' || item.tenGiayTo === '' || typeof item.tenTepDinhKem !== 'string' || item.tenTepDinhKem === '') return `fileDinhKem[${i}]: thiếu tenGiayTo hoặc tenTepDinhKem`;
    if (item.huyGiayTo !== 0 && item.huyGiayTo !== 1) return `fileDinhKem[${i}]: huyGiayTo là 0 hoặc 1`;
    if (typeof item.duLieuTepDinhKem !== 'string' || !BASE64.test(item.duLieuTepDinhKem)) return `fileDinhKem[${i}]: duLieuTepDinhKem phải là base64`;
    if (item.huyGiayTo === 0) files.push({ loaiGiayTo: item.loaiGiayTo as number, tenGiayTo: item.tenGiayTo, tenTepDinhKem: item.tenTepDinhKem, bytes: Buffer.from(item.duLieuTepDinhKem, 'base64') });
  }
  return files;
}
