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

/** A page's languages and what it says in each, switched as the reader chooses. */
export type Switch<L extends string, K extends string> = {
  readonly language: L;
  t(key: K, vars?: Vars): string;
  /** An element whose text is `key`, relabelled on every language change. */
  label<T extends HTMLElement>(element: T, key: K, vars?: Vars): T;
  choose(language: L): void;
  /** Called after every change, for what is not a plain label (dates in words, a case's status). */
  onChange(listener: () => void): void;
  /** The `select[name="ui-language"]` that changes the language. */
  chooser(): HTMLSelectElement;
};

export type SwitchOptions<L extends string, K extends string> = {
  languages: readonly L[];
  /** Each language's name in itself, for the chooser. */
  names: Record<L, string>;
  /** Where the choice is remembered (localStorage). */
  storageKey: string;
  first: L;
  /** The key of the page's title, if the title is said in the chosen language too. */
  title?: K;
};

export function languageSwitch<L extends string, K extends string>(tables: Record<L, Record<K, string>>, o: SwitchOptions<L, K>): Switch<L, K> {
  let language = o.first;
  const listeners: Array<() => void> = [];
  const t = (key: K, vars?: Vars) => fill(tables[language][key] ?? key, vars);
  const relabel = () => {
    document.documentElement.lang = language;
    if (o.title) document.title = t(o.title);
    for (const element of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
      const vars = element.dataset['i18nVars'];
      element.textContent = t(element.dataset['i18n'] as K, vars ? (JSON.parse(vars) as Vars) : undefined);
    }
  };
  const self: Switch<L, K> = {
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
      localStorage.setItem(o.storageKey, next);
      relabel();
      for (const listener of listeners) listener();
    },
    onChange(listener) {
      listeners.push(listener);
    },
    chooser() {
      const select = el('select', { name: 'ui-language', 'aria-label': 'Language / 語言 / 语言' }, ...o.languages.map((l) => el('option', { value: l, selected: l === language }, o.names[l])));
      select.addEventListener('change', () => self.choose(select.value as L));
      return select;
    },
  };
  relabel();
  return self;
}

export type Translator<K extends string> = Switch<UiLanguage, K>;

/** The staff pages' switch: their three languages, the member's last choice or the browser's language. */
export function translator<K extends string>(tables: Record<UiLanguage, Record<K, string>>): Translator<K> {
  return languageSwitch(tables, { languages: UI_LANGUAGES, names: NAMES, storageKey: KEY, first: savedLanguage() });
}
