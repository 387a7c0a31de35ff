/** Deepest nesting a JSON body may have. The deepest the hub's own schemas go is under 10. */
export const MAX_JSON_DEPTH = 64;

/**
 * What is wrong with a parsed JSON value that its parser accepted, or undefined: nested deeper than
 * `maxDepth` (code that walks values recursively — placeholder substitution, canonical JSON,
 * freezing, diffs — would overflow the stack on 100,000 levels), or a string or key holding a lone
 * surrogate (`"\ud800"` parses, but is no Unicode text: PostgreSQL refuses it, and a digest over
 * it would not match the stored text), or a string or key holding U+0000 (`"\u0000"` is valid JSON,
 * but no PostgreSQL text or jsonb value can hold it). Walks the value with a stack, never recursively.
 */
export function jsonShapeProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const pending: { node: unknown; depth: number }[] = [{ node: value, depth: 0 }];
  while (pending.length > 0) {
    const { node, depth } = pending.pop()!;
    if (typeof node === 'string') {
      if (!isWellFormed(node)) return 'a string holds a lone UTF-16 surrogate (an escape such as \\ud800 that is not half of a pair)';
      if (node.includes('\0')) return 'a string holds U+0000 (\\u0000), which the hub cannot store';
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth >= maxDepth) return `JSON nested deeper than ${maxDepth} levels`;
    if (Array.isArray(node)) {
      for (const item of node) pending.push({ node: item, depth: depth + 1 });
    } else {
      for (const [key, item] of Object.entries(node)) {
        if (!isWellFormed(key)) return 'a property name holds a lone UTF-16 surrogate';
        if (key.includes('\0')) return 'a property name holds U+0000 (\\u0000)';
        pending.push({ node: item, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

// String.prototype.isWellFormed (V8 11.3, Node 20) is not in the ES2023 library typings.
const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();
