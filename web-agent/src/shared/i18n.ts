/**
 * The staff pages speak Traditional Chinese, Simplified Chinese and English, as the member chooses; the choice
 * is remembered in localStorage. Each page keeps one table of strings per language; elements carrying
 * `data-i18n="key"` (and optional JSON `data-i18n-vars`) are relabelled when the language changes.
 */

import { el } from './dom.ts';

export const UI_LANGUAGES = ['zh-TW', 'zh-CN', 'en'] as const;
export type UiLanguage = (typeof UI_LANGUAGES)[number];

/** Each language's name in itself, for the chooser. */
const NAMES: Record<UiLanguage, string> = { 'zh-TW': '繁體中文', 'zh-CN': '简体中文', en: 'English' };
const KEY = 'sanling.ui-language';

export function savedLanguage(): UiLanguage {
  const saved = localStorage.getItem(KEY);
  if ((UI_LANGUAGES as readonly string[]).includes(saved ?? '')) return saved as UiLanguage;
  const browser = navigator.language.toLowerCase();
  if (/^zh-(tw|hk|mo|hant)/.test(browser)) return 'zh-TW';
  return browser.startsWith('zh') ? 'zh-CN' : 'en';
}

export type Vars = Record<string, string | number>;

export function fill(text: string, vars: Vars = {}): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

export type Translator<K extends string> = {
  readonly language: UiLanguage;
  t(key: K, vars?: Vars): string;
  /** An element whose text is `key`, relabelled on every language change. */
  label<T extends HTMLElement>(element: T, key: K, vars?: Vars): T;
  choose(language: UiLanguage): void;
  onChange(listener: () => void): void;
  /** The `select[name="ui-language"]` that changes the language. */
  chooser(): HTMLSelectElement;
};

export function translator<K extends string>(tables: Record<UiLanguage, Record<K, string>>): Translator<K> {
  let language = savedLanguage();
  const listeners: Array<() => void> = [];
  const t = (key: K, vars?: Vars) => fill(tables[language][key] ?? key, vars);
  const relabel = () => {
    document.documentElement.lang = language;
    for (const element of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
      const vars = element.dataset['i18nVars'];
      element.textContent = t(element.dataset['i18n'] as K, vars ? (JSON.parse(vars) as Vars) : undefined);
    }
  };
  document.documentElement.lang = language;
  const self: Translator<K> = {
    get language() {
      return language;
    },
    t,
    label(element, key, vars) {
      element.dataset['i18n'] = key;
      if (vars) element.dataset['i18nVars'] = JSON.stringify(vars);
      else delete element.dataset['i18nVars'];
      element.textContent = t(key, vars);
      return element;
    },
    choose(next) {
      language = next;
      localStorage.setItem(KEY, next);
      relabel();
      for (const listener of listeners) listener();
    },
    onChange(listener) {
      listeners.push(listener);
    },
    chooser() {
      const select = el('select', { name: 'ui-language', 'aria-label': 'Language / 語言 / 语言' }, ...UI_LANGUAGES.map((l) => el('option', { value: l, selected: l === language }, NAMES[l])));
      select.addEventListener('change', () => self.choose(select.value as UiLanguage));
      return select;
    },
  };
  return self;
}
