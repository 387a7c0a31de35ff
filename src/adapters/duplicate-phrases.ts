import { foldName } from '../directory/search-name.js';

/**
 * The Vietnamese answers with which the Ministry of Justice's systems (civil registry, judicial
 * records) and the DVCLT platform say "already received": they have no code for it, only text
 * (docs/domain-vn.md §5.2, §6.2). A retry of a submission the system already took gets one of these,
 * and must count as delivered, never as a failure nor as a second registration.
 */
export const DEFAULT_DUPLICATE_PHRASES: readonly string[] = Object.freeze([
  'đã được tiếp nhận',
  'đã tồn tại',
  'đã trả kết quả, không được cập nhật trạng thái',
  'hồ sơ đã tồn tại',
  'mã hồ sơ đã tồn tại',
]);

/** How an endpoint's settings adjust the list: `duplicatePhrases` replaces it, `extraDuplicatePhrases` adds to it. */
export interface DuplicatePhraseSettings {
  duplicatePhrases?: readonly string[];
  extraDuplicatePhrases?: readonly string[];
}

/** JSON Schema properties of {@link DuplicatePhraseSettings}, for adapters' settings schemas. */
export const duplicatePhraseSettingsSchema = {
  duplicatePhrases: {
    type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', minLength: 3, maxLength: 200 },
    description: 'Phrases that, found in an answer\'s message text, mean "already received" (replaces the defaults). Matched case-, accent- and punctuation-insensitively.',
  },
  extraDuplicatePhrases: {
    type: 'array', maxItems: 100, items: { type: 'string', minLength: 3, maxLength: 200 },
    description: 'Phrases added to the default list.',
  },
} as const;

/** A classifier for one endpoint: does this answer text say the system already has the dossier? */
export type DuplicateClassifier = (text: string | undefined | null) => boolean;

/**
 * Builds the classifier of an endpoint. Text and phrases are compared folded (lower case, accents
 * and punctuation removed, `đ` → `d`), because these systems answer sometimes without diacritics and
 * with varying punctuation: "Ho so da duoc tiep nhan." matches `đã được tiếp nhận`.
 */
export function duplicateClassifier(settings: DuplicatePhraseSettings = {}): DuplicateClassifier {
  const phrases = [...(settings.duplicatePhrases ?? DEFAULT_DUPLICATE_PHRASES), ...(settings.extraDuplicatePhrases ?? [])]
    .map((p) => foldName(p))
    .filter((p) => p.length > 0);
  return (text) => {
    if (!text) return false;
    const folded = ` ${foldName(text)} `;
    return phrases.some((p) => folded.includes(` ${p} `));
  };
}
