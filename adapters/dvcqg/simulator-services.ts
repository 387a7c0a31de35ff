import { portalStatusOf } from './portal-status.js';
import type { DossierStatus } from '../../src/domain/dossier.js';
import type { PortalAccounts } from './simulator-accounts.js';
import { refusal, SIM_ERROR_CODES, success, type SimReply, type SuccessCode } from './simulator-answers.js';
import type { SimulatedAgencyEntry, SimulatedProcedure } from './simulator-catalogue.js';
import type { PortalRegistry, StoredDossier } from './simulator-registry.js';
import { progressItemProblem, syncItemProblem, type SyncItemRules } from './simulator-validation.js';

/** What the simulated portal holds, and how it answers. */
export interface PortalState {
  accounts: PortalAccounts;
  registry: PortalRegistry;
  procedures: ReadonlyMap<string, SimulatedProcedure>;
  agencies: readonly SimulatedAgencyEntry[];
  itemRules: SyncItemRules;
  successCode: SuccessCode;
  now(): Date;
}

/** A data call whose session the portal accepted. */
interface ServiceCall {
  body: Record<string, unknown>;
  username: string;
  madonvi: string;
  state: PortalState;
}

/** `mapi/login {username, password}` → `{error_code: 0, session}`; refused with HTTP 401 and `-1`. */
export function login(body: Record<string, unknown>, state: PortalState): SimReply {
  const { username, password } = body;
  if (typeof username !== 'string' || typeof password !== 'string' || username === '' || password === '') {
    return refusal(SIM_ERROR_CODES.loginRefused, 'Thiếu tên đăng nhập hoặc mật khẩu', 401);
  }
  const session = state.accounts.login(username, password);
  if (!session) return refusal(SIM_ERROR_CODES.loginRefused, 'Tên đăng nhập hoặc mật khẩu không đúng', 401);
  return success(0, 'Đăng nhập thành công', { session });
}

/**
 * `mapi/g {session, madonvi, service, …}`: the session must be live (else `-2`, after which a client
 * logs in again and repeats the call), `madonvi` the session's unit, `service` one the portal offers.
 */
export function dataCall(body: Record<string, unknown>, state: PortalState): SimReply {
  const session = typeof body.session === 'string' ? state.accounts.session(body.session) : { kind: 'unknown' as const };
  if (session.kind !== 'valid') return refusal(SIM_ERROR_CODES.session, 'Phiên làm việc (session) không hợp lệ hoặc đã hết hạn');
  if (body.madonvi !== session.madonvi) return refusal(SIM_ERROR_CODES.notPermitted, `Mã đơn vị ${String(body.madonvi)} không thuộc tài khoản đăng nhập`);
  const service = typeof body.service === 'string' ? SERVICES[body.service] : undefined;
  if (!service) return refusal(SIM_ERROR_CODES.notPermitted, `Dịch vụ ${String(body.service)} không được hỗ trợ`);
  return service({ body, username: session.username, madonvi: session.madonvi, state });
}

const SERVICES: Readonly<Record<string, (call: ServiceCall) => SimReply>> = {
  TraCuuHoSo: lookUp,
  DongBoHoSoMC: syncDossiers,
  CapNhatTienDoHoSoMC: reportProgress,
  LayThuTuc: procedure,
  LayDanhMucCoQuan: ({ state }) =>
    success(state.successCode, 'Thành công', { result: state.agencies.map((a) => ({ MADONVI: a.code, TENDONVI: a.name, CAPDONVI: a.level })) }),
};

/** `TraCuuHoSo {mahoso}` → `result: [summary]`, empty when the portal has no such dossier. */
function lookUp({ body, state }: ServiceCall): SimReply {
  if (typeof body.mahoso !== 'string' || body.mahoso === '') return refusal(SIM_ERROR_CODES.invalid, 'Thiếu tham số mahoso');
  const dossier = state.registry.dossier(body.mahoso);
  if (!dossier) return success(state.successCode, 'Không tìm thấy hồ sơ', { result: [] });
  return success(state.successCode, 'Thành công', { result: [summary(dossier)] });
}

/**
 * `DongBoHoSoMC {isUpdating: "True"|"False", data[]}`: all items are checked before any is stored.
 * An add of an existing dossier is refused `-3` "đã tồn tại" (a client then updates); an update of
 * a missing one `-4`; another unit's dossier `-6`.
 */
function syncDossiers({ body, username, madonvi, state }: ServiceCall): SimReply {
  if (body.isUpdating !== 'True' && body.isUpdating !== 'False') return refusal(SIM_ERROR_CODES.invalid, 'isUpdating phải là "True" hoặc "False"');
  const items = body.data;
  if (!Array.isArray(items) || items.length === 0) return refusal(SIM_ERROR_CODES.invalid, 'data phải là danh sách hồ sơ khác rỗng');
  for (const item of items) {
    const problem = syncItemProblem(item, state.itemRules);
    if (problem) return refusal(SIM_ERROR_CODES.invalid, `Dữ liệu không hợp lệ: ${problem}`);
  }
  const records = items as Record<string, unknown>[];
  const updating = body.isUpdating === 'True';
  for (const item of records) {
    const maHoSo = String(item.MaHoSo);
    const existing = state.registry.dossier(maHoSo);
    if (!updating && existing) return refusal(SIM_ERROR_CODES.exists, `Hồ sơ ${maHoSo} đã tồn tại trên Cổng DVCQG`);
    if (updating && !existing) return refusal(SIM_ERROR_CODES.notFound, `Không tìm thấy hồ sơ ${maHoSo} để cập nhật`);
    if (existing && existing.unit !== madonvi) return refusal(SIM_ERROR_CODES.notPermitted, `Hồ sơ ${maHoSo} thuộc đơn vị khác`);
  }
  const at = state.now();
  for (const item of records) {
    const existing = state.registry.dossier(String(item.MaHoSo));
    if (existing) state.registry.update(existing, item, at);
    else state.registry.add(item, String(item.MaHoSo), madonvi, username, at);
  }
  return success(state.successCode, 'Đồng bộ hồ sơ thành công');
}

/**
 * `CapNhatTienDoHoSoMC {data[]}`: progress items of dossiers the unit added. An item identical to
 * one already recorded is not recorded again; when every item is such a repeat the answer is `-3`
 * "đã tồn tại" (inference: the real portal's answer to a repeat is not known).
 */
function reportProgress({ body, username, madonvi, state }: ServiceCall): SimReply {
  const items = body.data;
  if (!Array.isArray(items) || items.length === 0) return refusal(SIM_ERROR_CODES.invalid, 'data phải là danh sách tiến độ khác rỗng');
  for (const item of items) {
    const problem = progressItemProblem(item);
    if (problem) return refusal(SIM_ERROR_CODES.invalid, `Dữ liệu không hợp lệ: ${problem}`);
  }
  const records = items as Record<string, unknown>[];
  for (const item of records) {
    const dossier = state.registry.dossier(String(item.MaHoSo));
    if (!dossier) return refusal(SIM_ERROR_CODES.notFound, `Không tìm thấy hồ sơ ${String(item.MaHoSo)}`);
    if (dossier.unit !== madonvi) return refusal(SIM_ERROR_CODES.notPermitted, `Hồ sơ ${String(item.MaHoSo)} thuộc đơn vị khác`);
  }
  const fresh = records.filter((item) => !state.registry.hasProgress(String(item.MaHoSo), item));
  if (fresh.length === 0) return refusal(SIM_ERROR_CODES.exists, `Tiến độ xử lý của hồ sơ ${String(records[0]?.MaHoSo)} đã tồn tại`);
  const at = state.now();
  for (const item of fresh) state.registry.addProgress(String(item.MaHoSo), item, username, at);
  return success(state.successCode, 'Cập nhật tiến độ hồ sơ thành công');
}

/** `LayThuTuc {maTTHC}` → the procedure with its field (`LINHVUCTHUCHIEN`), as OpenCPS reads it. */
function procedure({ body, state }: ServiceCall): SimReply {
  const found = typeof body.maTTHC === 'string' ? state.procedures.get(body.maTTHC) : undefined;
  const result = found ? [{ MATTHC: found.code, TENTTHC: found.name, LINHVUCTHUCHIEN: [{ MALINHVUC: found.field.code, TENLINHVUC: found.field.name }] }] : [];
  return success(state.successCode, found ? 'Thành công' : 'Không tìm thấy thủ tục', { result });
}

/** A `TraCuuHoSo` result item: the dossier's main fields, its status as the portal's English string (inference). */
function summary(dossier: StoredDossier): Record<string, unknown> {
  const { item } = dossier;
  const code = Number(item.TrangThaiHoSo) as DossierStatus;
  return {
    MaHoSo: dossier.maHoSo,
    MaTTHC: item.MaTTHC,
    TenTTHC: item.TenTTHC ?? '',
    ChuHoSo: item.ChuHoSo,
    NgayTiepNhan: item.NgayTiepNhan,
    NgayHenTra: item.NgayHenTra ?? '',
    TrangThaiHoSo: portalStatusOf(code),
    DonViXuLy: item.DonViXuLy ?? '',
  };
}
