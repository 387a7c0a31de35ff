// Vietnamese by default, English on request; the choice is remembered in this browser.
import { createContext, useContext } from './html.js';
import { TEXTS } from './texts.js';

const STORAGE_KEY = 'lienthong.console.lang';
export const LANGS = ['vi', 'en'];

export function initialLang() {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (LANGS.includes(stored)) return stored;
  } catch {
    // storage disabled: the default
  }
  return 'vi';
}

export function rememberLang(lang) {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // storage disabled: the choice lasts until the page is left
  }
}

/** `t('key', { n: 3 })`: the text in `lang`, `{n}` filled in; an unknown key shows itself (a test keeps the table complete). */
export function translator(lang) {
  const column = lang === 'en' ? 1 : 0;
  return (key, params) => {
    const entry = TEXTS[key];
    const text = entry ? entry[column] : key;
    return params ? text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? '')) : text;
  };
}

export const I18n = createContext({ lang: 'vi', t: translator('vi'), setLang: () => {} });
export const useI18n = () => useContext(I18n);
