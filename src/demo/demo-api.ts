/** A JSON call to the hub's API as one key's holder, for the demo. */
export type DemoApi = (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>;

/**
 * A {@link DemoApi} for the hub at `url` with API key `bearer`: JSON in and out, and an error naming
 * the path, the status and the hub's `{ code, message }` when the answer is not 2xx.
 */
export function demoApi(url: string, bearer: string): DemoApi {
  return async (method, path, body) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
}
