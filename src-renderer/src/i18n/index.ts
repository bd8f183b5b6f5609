/**
 * The UI's languages (docs/languages.md): vue-i18n with English as the source of truth (en.ts) and
 * the fallback, the choice remembered in localStorage, `<html lang>` and the Electron menu following
 * it, no restart. Numbers and dates follow the language's locale tag (format.ts).
 */
import { createI18n } from 'vue-i18n';
import { en, type Messages } from './en';
import { zh } from './zh';
import { es } from './es';
import { ne } from './ne';

/**
 * The languages offered: code (message files), BCP 47 tag (`<html lang>`, Intl), own name, and how
 * many forms a counted message has (2: "one | other"; 1: one form for every count).
 */
export const LANGUAGES = [
  { code: 'en', tag: 'en', name: 'English', forms: 2 },
  { code: 'zh', tag: 'zh-CN', name: '简体中文', forms: 1 },
  { code: 'es', tag: 'es', name: 'Español', forms: 2 },
  { code: 'ne', tag: 'ne', name: 'नेपाली', forms: 1 },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

export const MESSAGES: Record<Language, Messages> = { en, zh, es, ne };

const STORAGE_KEY = 'scarp:language';

function isLanguage(v: unknown): v is Language {
  return LANGUAGES.some((l) => l.code === v);
}

/** The remembered choice, else the system's language when offered, else English. */
function initialLanguage(): Language {
  const stored = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null;
  if (isLanguage(stored)) return stored;
  const sys = typeof navigator !== 'undefined' ? navigator.language.toLowerCase().split('-')[0] : 'en';
  return isLanguage(sys) ? sys : 'en';
}

export const i18n = createI18n<[Messages], Language, false>({
  legacy: false,
  locale: initialLanguage(),
  fallbackLocale: 'en',
  messages: MESSAGES,
  missingWarn: false,
  fallbackWarn: false,
  // Languages whose counted messages have one form use it for every count.
  pluralRules: Object.fromEntries(LANGUAGES.filter((l) => l.forms === 1).map((l) => [l.code, () => 0])),
});

/** Translate a key (usable outside components: stores, the map's popup); reactive inside computeds. */
export const t = i18n.global.t;
/** Whether a key exists (in the current language or the English fallback). */
export const te = (key: string): boolean => i18n.global.te(key) || i18n.global.te(key, 'en');

/** The current language. */
export function language(): Language {
  return i18n.global.locale.value;
}

/** The current language's BCP 47 tag (Intl formatting, `<html lang>`). */
export function languageTag(): string {
  return LANGUAGES.find((l) => l.code === language())!.tag;
}

/** Whether the current language has a translation for `key` (not counting the English fallback). */
export function hasOwn(key: string): boolean {
  return i18n.global.te(key, language());
}

type MenuSink = (lang: Language) => void;
let menuSink: MenuSink | null = null;
/** Who hears of a language change besides the page (the Electron menu); called at once. */
export function onLanguage(sink: MenuSink): void {
  menuSink = sink;
  sink(language());
}

/** Switch the language now, remember it, and tell the document and the shell. */
export function setLanguage(lang: Language): void {
  i18n.global.locale.value = lang;
  localStorage.setItem(STORAGE_KEY, lang);
  document.documentElement.lang = languageTag();
  menuSink?.(lang);
}

if (typeof document !== 'undefined') document.documentElement.lang = languageTag();
