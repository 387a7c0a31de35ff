/**
 * The error codes of the LGSP civil-registry services (docs/domain-vn.md §5.1, S4), also read on
 * the current BTP API, whose own codes are not public [I]. `cause` says who must act: credentials
 * and configuration are the operator's, data the one-stop system's. None is worth retrying as is.
 */
export const REGISTRY_ERROR_CODES: Readonly<Record<string, { name: string; meaning: string; cause: 'credentials' | 'configuration' | 'data' }>> = {
  '100': { name: 'AUTHEN_ERROR', meaning: 'Mã xác thực không chính xác', cause: 'credentials' },
  '101': { name: 'IP_DISALLOWED', meaning: 'Địa chỉ IP không được phép truy cập', cause: 'configuration' },
  '106': { name: 'AGENCY_ID_INCORRECT', meaning: 'Mã đơn vị không chính xác', cause: 'configuration' },
  '108': { name: 'PROVINCE_ID_INCORRECT', meaning: 'Mã tỉnh không chính xác', cause: 'configuration' },
  '200': { name: 'RECORD_UNCOMPLETE', meaning: 'Hồ sơ chưa hoàn thành đăng ký', cause: 'data' },
  '201': { name: 'RECORD_NOT_FOUND', meaning: 'Hồ sơ không tồn tại', cause: 'data' },
  '302': { name: 'DATA_TYPE_INVALID', meaning: 'Loại dữ liệu không hợp lệ', cause: 'data' },
  '500': { name: 'DATA_INCORRECT', meaning: 'Dữ liệu không chính xác', cause: 'data' },
};

/** `errorCode` that means "the token is not (or no longer) accepted": get a new one, once. */
export const AUTH_ERROR_CODE = '100';

/** `100 AUTHEN_ERROR` for a known code, the bare code otherwise. */
export function errorCodeLabel(code: string): string {
  const known = Object.hasOwn(REGISTRY_ERROR_CODES, code) ? REGISTRY_ERROR_CODES[code] : undefined;
  return known ? `${code} ${known.name}` : code;
}
