/** What a placeholder may name: an environment variable in upper case (`${UBND_TOKEN}`). */
const NAME = '[A-Z_][A-Z0-9_]*';
const PLACEHOLDER = new RegExp(`\\$\\{(${NAME})\\}`, 'g');
const WHOLE_PLACEHOLDER = new RegExp(`^\\$\\{${NAME}\\}$`);

/** A placeholder whose variable is unset: where it is (JSON pointer) and the variable's name (never a value). */
export interface MissingVariable {
  pointer: string;
  variable: string;
}

/** The problem line for an unset variable, as the configuration pipeline reports it. */
export const describeMissing = (m: MissingVariable): string => `${m.pointer} needs environment variable ${m.variable}`;

/**
 * Replaces `${NAME}` in every string of a JSON value with `env[NAME]`. Returns the new value and
 * every placeholder whose variable is unset (never a silent empty string: the caller decides).
 * Only `${UPPER_CASE}` is a placeholder; anything else (`${abc}`) is a literal, kept as written.
 */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, path = ''): { value: unknown; missing: MissingVariable[] } {
  const missing: MissingVariable[] = [];
  const walk = (node: unknown, at: string): unknown => {
    if (typeof node === 'string') {
      return node.replace(PLACEHOLDER, (_, name: string) => {
        const found = env[name];
        if (found === undefined) {
          missing.push({ pointer: at || '/', variable: name });
          return '';
        }
        return found;
      });
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${at}/${i}`));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`)]));
    }
    return node;
  };
  return { value: walk(value, path), missing };
}

/** True when a string holds a `${NAME}` placeholder. */
export function hasPlaceholder(value: string): boolean {
  PLACEHOLDER.lastIndex = 0;
  return PLACEHOLDER.test(value);
}

/**
 * True when a value is one whole `${NAME}` placeholder, exactly what {@link substituteEnv} replaces:
 * it names where a secret lives, not the secret, so it may be shown.
 */
export function isWholePlaceholder(value: unknown): boolean {
  return typeof value === 'string' && WHOLE_PLACEHOLDER.test(value);
}
