import type { SimStore } from './simulator-store.js';

/** The operations of the simulated systems: the LGSP token endpoint, the five LGSP calls, the two national ones. */
export const SIM_OPERATIONS = ['token', 'nhanHoSoDangKy', 'traTrangThaiHs', 'traDsTrangThaiHs', 'danhDauHsThanhCong', 'ketQuaXuLy', 'guiHoSo', 'traKetQua'] as const;
export type SimOperation = (typeof SIM_OPERATIONS)[number];

/** Which kind of system answers an operation, and so in which shape. */
export type SimFamily = 'token' | 'lgsp' | 'national-submit' | 'national-result';

export const FAMILY_OF: Readonly<Record<SimOperation, SimFamily>> = {
  token: 'token',
  nhanHoSoDangKy: 'lgsp',
  traTrangThaiHs: 'lgsp',
  traDsTrangThaiHs: 'lgsp',
  danhDauHsThanhCong: 'lgsp',
  ketQuaXuLy: 'lgsp',
  guiHoSo: 'national-submit',
  traKetQua: 'national-result',
};

/** An answer: HTTP status and a JSON body, or raw text. */
export interface SimAnswer {
  httpStatus: number;
  body: unknown;
  /** Sent as is (`text/html`) instead of JSON. */
  raw?: string;
  headers?: Record<string, string>;
}

/** What a handler gets. */
export interface SimRequest {
  mailbox: string;
  headers: Record<string, string>;
  text: string;
  store: SimStore;
  formKeys: 'ws' | 'plain';
}

export const json = (body: unknown, httpStatus = 200): SimAnswer => ({ httpStatus, body });

/** The LGSP service's error answer: `STATUS` = the error code, `DESCRIPTION` = its name and the detail (inference). */
export const lgspError = (code: string, description: string): SimAnswer => json({ STATUS: code, DESCRIPTION: description, ID: null });

/** The national system's refusal of a submission (the civil-registry answer shape of docs §5.2; inference). */
export const nationalError = (code: string, description: string): SimAnswer =>
  json({ status: '0', statusDescription: 'Đã có lỗi xảy ra trong quá trình gửi thông tin', errorCode: code, errorDescription: description });

/** A scripted error answer in the shape of `family` (`status-error` behaviour). */
export function scriptedError(family: SimFamily, code: string, description: string): SimAnswer {
  switch (family) {
    case 'token':
      return json({ error: code, error_description: description }, 400);
    case 'lgsp':
      return lgspError(code, description);
    case 'national-submit':
      return nationalError(code, description);
    case 'national-result':
      return json({ status: 0, statusDescription: `${code} - ${description}`, value: [] });
    default: {
      const unknown: never = family;
      throw new Error(`Unknown family ${String(unknown)}`);
    }
  }
}
