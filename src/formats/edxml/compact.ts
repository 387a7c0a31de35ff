/** Drops properties whose value is `undefined`, so absent wire elements leave no key behind. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
