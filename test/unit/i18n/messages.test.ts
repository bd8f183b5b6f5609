/**
 * The UI's languages (docs/languages.md): every language has exactly English's keys, the same
 * placeholders in every message, as many counted forms as the language declares, and renders
 * without leftovers; every key the renderer's source names exists; errors translate by code and
 * fall back to the English message for a code without a translation.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from '../../../src-renderer/src/i18n/en';
import { i18n, LANGUAGES, MESSAGES, setLanguage } from '../../../src-renderer/src/i18n';
import { DEFAULT_HINTS } from '../../../src-shared/errors';
import { MENU_LABELS_EN, checkMenuLabels } from '../../../src-shared/shell';

/** Every leaf message as key → text. */
function flatten(o: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

/** The named placeholders of a message (`{n}`), literal `{'@'}` not counted. */
const placeholders = (m: string): string[] => [...new Set([...m.matchAll(/\{\s*([A-Za-z_]\w*)\s*\}/g)].map((x) => x[1]!))].sort();
const forms = (m: string): number => m.split('|').length;

const EN = flatten(en);
const others = LANGUAGES.filter((l) => l.code !== 'en');

describe('i18n messages', () => {
  it('offers English, Simplified Chinese, Spanish and Nepali', () => {
    expect(LANGUAGES.map((l) => l.code)).toEqual(['en', 'zh', 'es', 'ne']);
  });

  for (const lang of others) {
    it(`${lang.code} has exactly the English keys`, () => {
      const keys = [...flatten(MESSAGES[lang.code]).keys()].sort();
      const want = [...EN.keys()].sort();
      expect(keys.filter((k) => !EN.has(k)), 'extra keys').toEqual([]);
      expect(want.filter((k) => !keys.includes(k)), 'missing keys').toEqual([]);
    });

    it(`${lang.code} keeps every placeholder and has its number of counted forms`, () => {
      const mine = flatten(MESSAGES[lang.code]);
      const bad: string[] = [];
      for (const [key, text] of EN) {
        const m = mine.get(key);
        if (m === undefined) continue;
        if (placeholders(m).join() !== placeholders(text).join()) bad.push(`${key}: {${placeholders(m)}} vs English {${placeholders(text)}}`);
        if (forms(text) > 1 && forms(m) !== lang.forms) bad.push(`${key}: ${forms(m)} forms, ${lang.code} has ${lang.forms}`);
        if (forms(text) === 1 && forms(m) !== 1) bad.push(`${key}: a '|' in a message that is not counted`);
        if (m.trim() === '') bad.push(`${key}: empty`);
      }
      expect(bad).toEqual([]);
    });
  }

  it('every message renders in every language, with no placeholder or reserved character left', () => {
    const bad: string[] = [];
    for (const lang of LANGUAGES) {
      for (const [key, text] of EN) {
        if (key.startsWith('menu.')) continue; // the shell's labels, never rendered by vue-i18n
        const names = placeholders(text);
        const params = Object.fromEntries(names.map((p) => [p, `«${p}»`]));
        const out = forms(text) > 1 ? i18n.global.t(key, params, { locale: lang.code, plural: 3 }) : i18n.global.t(key, params, { locale: lang.code });
        if (out === key || /\{|\}/.test(out)) bad.push(`${lang.code} ${key}: ${out}`);
        for (const p of names) if (!out.includes(`«${p}»`) && !(p === 'n' && out.includes('3'))) bad.push(`${lang.code} ${key}: lost {${p}}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('counted messages choose singular and plural in English and Spanish', () => {
    expect(i18n.global.t('sel.saved', 1, { locale: 'en' })).toBe('Saved 1 landslide.');
    expect(i18n.global.t('sel.saved', 4, { locale: 'en' })).toBe('Saved 4 landslides.');
    expect(i18n.global.t('sel.saved', 4, { locale: 'es' })).toBe('Se guardaron 4 deslizamientos.');
    expect(i18n.global.t('sel.saved', 4, { locale: 'zh' })).toBe('已保存 4 个滑坡。');
  });

  it('every error code has a message and hint in every language (the error model’s codes)', () => {
    for (const lang of LANGUAGES) expect(Object.keys(MESSAGES[lang.code].errors).sort(), lang.code).toEqual(Object.keys(DEFAULT_HINTS).sort());
  });

  it('the menu labels are the shell’s keys, and each language’s pass the shell’s check', () => {
    expect(en.menu).toBe(MENU_LABELS_EN);
    for (const lang of LANGUAGES) expect(checkMenuLabels({ ...MESSAGES[lang.code].menu }), lang.code).not.toBeNull();
    expect(checkMenuLabels({ ...MENU_LABELS_EN, file: '' })).toBeNull();
    expect(checkMenuLabels({ ...MENU_LABELS_EN, extra: 'x' })).toBeNull();
  });

  it('every key the renderer names exists in English (a typo would show the key)', () => {
    const root = resolve(__dirname, '../../../src-renderer/src');
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|vue)$/.test(f) && !p.includes(`${join('src', 'i18n')}`)) files.push(p);
      }
    };
    walk(root);
    const missing: string[] = [];
    let seen = 0;
    for (const f of files) {
      const src = readFileSync(f, 'utf8');
      // Literal keys: t('a.b') / $t('a.b'); dynamic ones: t(`a.${x}`) name a prefix that must exist.
      for (const m of src.matchAll(/\$?\bt\(\s*'([a-zA-Z][\w.-]*)'/g)) {
        seen++;
        if (!EN.has(m[1]!)) missing.push(`${f}: ${m[1]}`);
      }
      for (const m of src.matchAll(/\$?\bt\(\s*`([a-zA-Z][\w.-]*)\.\$\{/g)) {
        seen++;
        if (![...EN.keys()].some((k) => k.startsWith(`${m[1]}.`))) missing.push(`${f}: ${m[1]}.*`);
      }
    }
    expect(seen).toBeGreaterThan(200);
    expect(missing).toEqual([]);
  });
});

describe('setLanguage', () => {
  it('switches the messages and the number format at once, and remembers the choice', async () => {
    const store = new Map<string, string>();
    (globalThis as Record<string, unknown>).localStorage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => store.set(k, v) };
    (globalThis as Record<string, unknown>).document = { documentElement: { lang: 'en' } };
    const { fmtNumber } = await import('../../../src-renderer/src/format');
    setLanguage('es');
    expect(i18n.global.t('tabs.inventory')).toBe('Inventario');
    expect(fmtNumber(12345.678, 1)).toBe('12.345,7');
    expect((globalThis as unknown as { document: { documentElement: { lang: string } } }).document.documentElement.lang).toBe('es');
    expect(store.get('scarp:language')).toBe('es');
    setLanguage('zh');
    expect(i18n.global.t('tabs.inventory')).toBe('编目');
    expect(fmtNumber(12345.678, 1)).toBe('12,345.7');
    setLanguage('en');
  });
});

describe('fmtValidity', () => {
  it('says where a raster has no data, in the order the reader applies it, in the UI language', async () => {
    const { fmtValidity } = await import('../../../src-renderer/src/format');
    const none = { nodata: null };
    setLanguage('en');
    expect(fmtValidity(none)).toBe('No data: none, every pixel is data');
    expect(fmtValidity({ nodata: -9999 })).toBe('No data: value -9,999');
    expect(fmtValidity({ nodata: 0, nodataFrom: 'aux.xml' })).toBe('No data: value 0 (from its .aux.xml)');
    expect(fmtValidity({ nodata: null, alphaBand: 3 })).toBe('No data: where band 4 (alpha) is 0');
    expect(fmtValidity({ nodata: 0, maskBand: 'sidecar' })).toBe('No data: value 0; where its .msk mask is 0');
    expect(fmtValidity({ nodata: null, blackIsNodata: true })).toBe('No data: pixels 0 in every band');
    setLanguage('es');
    expect(fmtValidity({ nodata: null, maskBand: 'internal' })).toBe('Sin datos: donde su banda de máscara es 0');
    setLanguage('en');
  });

  it('says a DEM in feet is read in metres, in the UI language', async () => {
    const { fmtElevationUnit } = await import('../../../src-renderer/src/format');
    setLanguage('en');
    expect(fmtElevationUnit({})).toBeNull();
    expect(fmtElevationUnit({ elevationUnit: { name: 'foot', metres: 0.3048 } })).toBe('elevations in feet, read in metres');
    expect(fmtElevationUnit({ elevationUnit: { name: 'US survey foot', metres: 1200 / 3937 } })).toBe('elevations in US survey feet, read in metres');
    setLanguage('zh');
    expect(fmtElevationUnit({ elevationUnit: { name: 'foot', metres: 0.3048 } })).toBe('高程单位为英尺，按米读取');
    setLanguage('en');
  });
});

describe('describeError', () => {
  it('English: the core’s message and hint with the app’s control; other languages: the code’s translation, English kept as detail; an untranslated code stays English', async () => {
    const { describeError, errorDetail } = await import('../../../src-renderer/src/api/client');
    const exists = { code: 'OUTPUT_EXISTS', message: '/w/a.geojson already exists.', hint: 'Choose another name, or allow overwriting to replace it.', file: '/w/a.geojson', options: ['overwrite'] };
    setLanguage('en');
    expect(describeError(exists)).toBe('/w/a.geojson already exists. — Choose another name, or allow overwriting to replace it. (the “Replace an existing file” switch)');
    expect(errorDetail(exists)).toBeNull();
    setLanguage('zh');
    expect(describeError(exists)).toBe('/w/a.geojson 已存在。 — 请换一个名称，或允许覆盖。 (“替换已有文件”开关)');
    expect(errorDetail(exists)).toBe('OUTPUT_EXISTS: /w/a.geojson already exists. — Choose another name, or allow overwriting to replace it.');
    const future = { code: 'SOME_NEW_CODE', message: 'A new kind of failure.', hint: 'Do this.' };
    expect(describeError(future)).toBe('A new kind of failure. — Do this.');
    expect(errorDetail(future)).toBeNull();
    setLanguage('es');
    expect(describeError({ code: 'PROJECT_NOT_OPEN', message: 'No project is open.' })).toBe('No hay ningún proyecto abierto. — Abra primero el proyecto.');
    setLanguage('en');
  });
});
