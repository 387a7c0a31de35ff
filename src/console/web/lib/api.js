// The hub's API as the console calls it: same origin, the session cookie (HttpOnly, sent by the
// browser), and the session's CSRF token on every request that changes something.

/** A refused request: the hub's coded error ({ code, message, errorId, details }). */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? `HTTP_${status}`;
    this.details = body?.details;
    this.errorId = body?.errorId;
  }
}

/** `?a=1&state=failed&state=retrying`: arrays repeat the parameter; empty values are left out. */
export function queryString(query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && v !== null && v !== '') params.append(key, String(v));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * `csrf()` gives the session's token; `onUnauthenticated()` runs when the session has ended (401),
 * so the app can show the login page again.
 */
export function createApi({ csrf, onUnauthenticated }) {
  async function request(method, path, { query, body, headers = {} } = {}) {
    const init = { method, credentials: 'same-origin', headers: { accept: 'application/json', ...headers } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['content-type'] = 'application/json';
    }
    const token = csrf();
    if (UNSAFE.has(method) && token) init.headers['x-csrf-token'] = token;
    const response = await fetch(path + queryString(query), init);
    const text = await response.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      if (response.status === 401) onUnauthenticated();
      throw new ApiError(response.status, json);
    }
    return json;
  }
  return {
    request,
    get: (path, query) => request('GET', path, { query }),
    post: (path, body, headers) => request('POST', path, { body, headers }),
    put: (path, body, headers) => request('PUT', path, { body, headers }),
    del: (path) => request('DELETE', path),
  };
}

/** Logging in is not a session request: a wrong password is a 401 to show, not a session that ended. */
export async function login(username, password) {
  const response = await fetch('/v1/session', {
    method: 'POST', credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const json = await response.json().catch(() => undefined);
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

/** The current session, or undefined when there is none. */
export async function currentSession() {
  const response = await fetch('/v1/session', { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (response.status === 401) return undefined;
  const json = await response.json().catch(() => undefined);
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}
