/** Where a page of the directory listing ended: the last entry's sort key. */
export interface DirectoryCursor {
  searchName: string;
  source: string;
  id: string;
}

/** An opaque string for clients (base64url of the sort key). */
export function encodeDirectoryCursor(cursor: DirectoryCursor): string {
  return Buffer.from(JSON.stringify([cursor.searchName, cursor.source, cursor.id]), 'utf8').toString('base64url');
}

/** The cursor, or `undefined` when `text` is not one this hub issued. */
export function decodeDirectoryCursor(text: string): DirectoryCursor | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 3 || !value.every((v) => typeof v === 'string')) return undefined;
  const [searchName, source, id] = value as [string, string, string];
  return { searchName, source, id };
}
