const PLACEHOLDER = /\$\{([A-Z_][A-Z0-9_]*)\}/g;

/**
 * Replaces `${NAME}` in every string of a JSON value with `env[NAME]`. Returns the new value and the
 * JSON pointer of every placeholder whose variable is unset (never a silent empty string).
 */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, path = ''): { value: unknown; missing: string[] } {
  const missing: string[] = [];
  const walk = (node: unknown, at: string): unknown => {
    if (typeof node === 'string') {
      return node.replace(PLACEHOLDER, (_, name: string) => {
        const found = env[name];
        if (found === undefined) {
          missing.push(`${at || '/'} needs environment variable ${name}`);
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
