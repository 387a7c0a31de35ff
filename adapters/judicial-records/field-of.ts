/**
 * A field of an LLTP answer by name in any letter case: the guide writes `STATUS`/`DESCRIPTION`/`ID`,
 * the one-stop code that reads these answers (.NET, case-insensitive) declares `status`/`description`/`id`.
 */
export function fieldOf(object: Record<string, unknown>, name: string): unknown {
  if (name in object) return object[name];
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : object[key];
}
