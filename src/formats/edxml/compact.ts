/** Drops properties whose value is `undefined`, so absent wire elements leave no key behind. */
export function compact<T extends object>(value: T): T {
  // A plain loop: Object.fromEntries(Object.entries(…).filter(…)) allocates an array per property and
  // showed up at 2–3 % of an edXML intake's CPU (it runs ~40 times per packet).
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = v;
  }
  return out as T;
}
