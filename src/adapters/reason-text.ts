/** Longest `reason` of a verdict or outcome, in characters, before it is cut with `…`. */
export const REASON_CHARS = 240;

/**
 * A reason as one line: control characters and runs of white space folded into one space, at most
 * {@link REASON_CHARS} characters. Reasons quote what systems answered, which may be a whole page.
 */
export function clipReason(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
  return line.length > REASON_CHARS ? `${line.slice(0, REASON_CHARS)}…` : line;
}

/** An error's message, or any other thrown value as text. */
export function errorText(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}
