import type { Dossier } from '../../src/domain/dossier.js';
import type { FileDinhKem } from './attachments.js';
import { isCivilPayloadType, XML_ROOTS, type CivilPayloadType } from './modules.js';
import { registrationToXml } from './registration-xml.js';
import type { ResolvedCivilRegistrySettings } from './settings.js';
import { formatVnDateTime } from './vn-time.js';

/** What both generations send about one dossier, before their own framing. */
export interface RegistrationParts {
  payloadType: CivilPayloadType;
  /** Registering office: the `maDonVi` setting, else the payload's `noiDangKy` (as S3 sends it). */
  maDonVi: string;
  module: string;
  /** The one-stop dossier number (`MaHoSo`). */
  maHoSo: string;
  /** DVCLT id: the payload's `maHoSoLT`, else the dossier number (S3 does so for marriages). */
  maHoSoLT: string;
  /** `dd/MM/yyyy HH:mm:ss`, Vietnam time, from `dossier.receivedAt`. */
  ngayTiepNhan: string;
  /** The payload without `maHoSoLT`, which travels beside it. */
  registration: Record<string, unknown>;
}

/** The `NhanDKHT` request body (current generation, §5.2). */
export interface NhanDkhtRequest {
  maDonVi: string;
  module: string;
  maHoSoLT: string;
  maHoSoMCDT: string;
  ngayTiepNhan: string;
  data: string;
  fileDinhKem: FileDinhKem[];
}

/** The `dangKyHoTich` request body (LGSP generation, §5.1): `maDonVi` is a Long there. */
export interface DangKyHoTichRequest {
  maDonVi: number;
  module: string;
  maHoSo: string;
  ngayTiepNhan: string;
  data: string;
}

const OFFICE_CODE = /^[0-9]{1,10}$/;

/** Reads the parts out of the dossier; a text saying why when the dossier cannot be sent (the same on every attempt). */
export function registrationParts(dossier: Dossier, settings: ResolvedCivilRegistrySettings): RegistrationParts | string {
  const { payloadType, payload } = dossier.target;
  if (!isCivilPayloadType(payloadType)) return `the civil registry takes birth, death and marriage registrations, not ${payloadType}`;
  const { maHoSoLT, ...registration } = payload;
  const maDonVi = settings.maDonVi ?? payload.noiDangKy;
  if (typeof maDonVi !== 'string' || !OFFICE_CODE.test(maDonVi)) return 'no registering office: the payload has no noiDangKy and the endpoint sets no maDonVi';
  const receivedAt = new Date(dossier.receivedAt);
  if (Number.isNaN(receivedAt.getTime())) return `dossier receivedAt ${JSON.stringify(dossier.receivedAt)} is not a time`;
  return {
    payloadType,
    maDonVi,
    module: settings.moduleCodes[payloadType],
    maHoSo: dossier.number,
    maHoSoLT: typeof maHoSoLT === 'string' && maHoSoLT !== '' ? maHoSoLT : dossier.number,
    ngayTiepNhan: formatVnDateTime(receivedAt),
    registration,
  };
}

export function nhanDkhtRequest(parts: RegistrationParts, files: FileDinhKem[]): NhanDkhtRequest {
  return {
    maDonVi: parts.maDonVi,
    module: parts.module,
    maHoSoLT: parts.maHoSoLT,
    maHoSoMCDT: parts.maHoSo,
    ngayTiepNhan: parts.ngayTiepNhan,
    data: JSON.stringify(parts.registration),
    fileDinhKem: files,
  };
}

export function dangKyHoTichRequest(parts: RegistrationParts): DangKyHoTichRequest {
  return {
    maDonVi: Number(parts.maDonVi),
    module: parts.module,
    maHoSo: parts.maHoSo,
    ngayTiepNhan: parts.ngayTiepNhan,
    data: registrationToXml(XML_ROOTS[parts.payloadType], parts.registration),
  };
}

/**
 * The id the hub keeps for a registration (`remoteId`): `<maDonVi>:<maHoSo>`. Neither system
 * answers one; the LGSP status services need both halves, and the poll job gets no payload.
 */
export function registrationRemoteId(parts: Pick<RegistrationParts, 'maDonVi' | 'maHoSo'>): string {
  return `${parts.maDonVi}:${parts.maHoSo}`;
}

/** The registering office out of a {@link registrationRemoteId}, if it is one. */
export function officeOfRemoteId(remoteId: string | undefined): string | undefined {
  const office = remoteId?.split(':', 1)[0];
  return office !== undefined && OFFICE_CODE.test(office) && remoteId !== office ? office : undefined;
}

/** `…/apiHoTichTuPhap` + `/` + service. */
export function lgspServiceUrl(baseUrl: string, service: 'dangKyHoTich' | 'traTrangThaiHoSo' | 'ketQuaDangKyHS'): string {
  return `${baseUrl.replace(/\/+$/, '')}/${service}`;
}
