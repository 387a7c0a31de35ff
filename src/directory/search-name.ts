/**
 * Folds a Vietnamese name for searching and sorting: lower case, diacritics removed, `đ` → `d`,
 * every run of characters other than `a-z0-9` turned into one space, trimmed.
 * `Ủy ban nhân dân tỉnh Nghệ An` → `uy ban nhan dan tinh nghe an`.
 *
 * Done here rather than with SQL `lower()`/`unaccent`: PGlite's database uses the C locale (where
 * `lower()` leaves `Ủ` alone) and has no `unaccent`, a server may use another locale; folding in one
 * place gives both stores the same keys, and the same order. Stored keys are written with their
 * rows (~4 µs a name, so a sync folds only the rows it writes): changing this function needs a
 * migration that refolds `directory_agencies.search_name`.
 */
export function foldName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * The full-text query (PostgreSQL `to_tsquery('simple', …)` syntax) for a search text: every word
 * must start a word of the folded name, in any order. `nghệ an` → `nghe:* & an:*`. Words are
 * `[a-z0-9]+` after folding, so nothing the user types can reach the query syntax.
 *
 * @returns `undefined` when the text has no word at all (e.g. `"."`).
 */
export function nameWordsQuery(text: string): string | undefined {
  const words = foldName(text).split(' ').filter(Boolean);
  if (words.length === 0) return undefined;
  return [...new Set(words)].map((word) => `${word}:*`).join(' & ');
}
