const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV record per RFC 4180: fields joined by commas, a field holding a comma, a double quote, CR
 * or LF enclosed in double quotes with its quotes doubled, CRLF at the end. `null` is an empty
 * field, an object its JSON text. Text is written as is (UTF-8 on the wire): nothing is escaped
 * for spreadsheets, an export is evidence and must say exactly what the hub holds.
 */
export function csvRecord(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
