import { el } from '../shared/dom.ts';
import { api, ApiError } from '../shared/session.ts';
import { tr, type Key } from './strings.ts';

type Texts = Record<string, string>;
type Reply = { announcement: Texts | null; languages?: string[] };

/**
 * Setting and clearing the IVR announcement (a text per language). The IVR reads it on each call, so the
 * next caller hears it; the panel says so, or shows the server's error.
 */
export function announcementPanel(): HTMLElement {
  const fields = el('div', { class: 'announcement-fields' });
  const set = tr.label(el('button', { id: 'announcement-set', type: 'submit', class: 'primary' }), 'announcementSet');
  const clear = tr.label(el('button', { id: 'announcement-clear', type: 'button' }), 'announcementClear');
  const now = el('p', { class: 'announcement-now', 'data-announcement-now': '' });
  const result = el('p', { class: 'result', role: 'status', 'aria-live': 'polite', 'data-announcement-result': '' });
  const form = el(
    'form',
    { class: 'panel announcement' },
    tr.label(el('h2'), 'announcement'),
    tr.label(el('p', { class: 'note' }), 'announcementHelp'),
    now,
    fields,
    el('div', { class: 'actions' }, set, clear),
    result,
  );
  let areas: Record<string, HTMLTextAreaElement> = {};

  const say = (outcome: 'ok' | 'error', text: string) => {
    result.textContent = text;
    result.className = `result ${outcome}`;
    result.dataset['outcome'] = outcome;
  };
  const showCurrent = (texts: Texts | null) => {
    if (texts) tr.label(now, 'announcementNow', { languages: Object.keys(texts).join(', ') });
    else tr.label(now, 'announcementNone');
    for (const [language, area] of Object.entries(areas)) area.value = texts?.[language] ?? '';
  };
  const failed = (err: unknown) => say('error', err instanceof ApiError || err instanceof Error ? err.message : String(err));
  const busy = async (work: () => Promise<void>) => {
    set.disabled = clear.disabled = true;
    try {
      await work();
    } catch (err) {
      failed(err);
    } finally {
      set.disabled = clear.disabled = false;
    }
  };

  void busy(async () => {
    const reply = await api<Reply>('/api/announcement');
    const languages = reply.languages ?? Object.keys(reply.announcement ?? {});
    areas = Object.fromEntries(languages.map((l) => [l, el('textarea', { name: `announcement-${l}`, lang: l, rows: 3, maxlength: 500 })]));
    fields.replaceChildren(...languages.map((l) => el('label', {}, tr.label(el('span'), `language.${l}` as Key), areas[l]!)));
    showCurrent(reply.announcement);
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const texts = Object.fromEntries(Object.entries(areas).flatMap(([l, area]) => (area.value.trim() ? [[l, area.value]] : [])));
    if (Object.keys(texts).length === 0) {
      say('error', tr.t('announcementEmpty'));
      return;
    }
    void busy(async () => {
      const reply = await api<Reply>('/api/announcement', { method: 'PUT', body: texts });
      showCurrent(reply.announcement);
      say('ok', tr.t('announcementWasSet'));
    });
  });
  clear.addEventListener('click', () => {
    void busy(async () => {
      await api<Reply>('/api/announcement', { method: 'DELETE' });
      showCurrent(null);
      say('ok', tr.t('announcementWasCleared'));
    });
  });
  return form;
}
