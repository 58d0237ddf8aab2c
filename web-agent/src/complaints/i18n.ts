/**
 * The public page speaks Simplified Chinese (first: most passengers read it), Traditional Chinese and English,
 * named as the case desk names languages, so the language a passenger files in is the one they are answered in.
 * The choice comes from the address (`?lang=en-US`), else the passenger's last visit, else Simplified Chinese.
 * Like the staff pages' translator, elements labelled through it are relabelled when the language changes.
 */

import { languageSwitch, type Switch } from '../shared/i18n.ts';

export const PAGE_LANGUAGES = ['zh-CN', 'zh-TW', 'en-US'] as const;
export type PageLanguage = (typeof PAGE_LANGUAGES)[number];

/** Each language's name in itself, for the chooser. */
const NAMES: Record<PageLanguage, string> = { 'zh-CN': '简体中文', 'zh-TW': '繁體中文', 'en-US': 'English' };
const KEY = 'sanling.public-language';

const isPageLanguage = (value: string | null): value is PageLanguage => (PAGE_LANGUAGES as readonly string[]).includes(value ?? '');

function firstLanguage(): PageLanguage {
  const asked = new URLSearchParams(location.search).get('lang');
  if (isPageLanguage(asked)) return asked;
  const saved = localStorage.getItem(KEY);
  return isPageLanguage(saved) ? saved : 'zh-CN';
}

export type PageTranslator<K extends string> = Switch<PageLanguage, K>;

export function pageTranslator<K extends string>(tables: Record<PageLanguage, Record<K, string>>, title: K): PageTranslator<K> {
  return languageSwitch(tables, { languages: PAGE_LANGUAGES, names: NAMES, storageKey: KEY, first: firstLanguage(), title });
}
