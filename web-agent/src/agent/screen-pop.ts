import { el } from '../shared/dom.ts';
import { when } from './case-words.ts';
import { known, tr } from './i18n.ts';
import { openCasesSection } from './open-cases.ts';
import type { PathStep, ScreenPop } from './softphone.ts';

/** The screen-pop card: who is calling, what the IVR learned, the caller's history and open cases. */
export function screenPopCard(pop: ScreenPop, openCase: (reference: string) => void): HTMLElement {
  const row = (key: Parameters<typeof tr.t>[0], value: Node | string, testid?: string) =>
    el('div', { class: 'row' }, tr.label(el('dt'), key), el('dd', testid ? { 'data-testid': testid } : {}, value));
  const answers = el(
    'dl',
    { class: 'answers', 'data-testid': 'ivr-answers' },
    ...Object.entries(pop.answers).flatMap(([name, value]) => [
      tr.label(el('dt'), known(`answer.${name}`)),
      el('dd', { 'data-answer': name }, value),
    ]),
  );
  const waited = el('span');
  tr.label(waited, 'seconds', { n: pop.waitedSeconds });
  return el(
    'section',
    { class: 'screen-pop card', 'data-testid': 'screen-pop', 'data-call-sid': pop.callSid },
    el(
      'dl',
      { class: 'facts' },
      row('caller', el('span', { class: 'number' }, pop.from), 'caller'),
      row('language', tr.label(el('span'), known(`lang.${pop.language}`)), 'caller-language'),
      row('queue', pop.queue ? tr.label(el('span'), known(`queue.${pop.queue}`)) : '—', 'queue'),
      row('waited', waited),
      row('ivrPath', pop.pathWords.length ? el('ol', { class: 'path', 'data-testid': 'ivr-path' }, ...pop.pathWords.map(step)) : '—'),
    ),
    Object.keys(pop.answers).length ? el('div', {}, tr.label(el('h3'), 'answers'), answers) : '',
    pop.notesSoFar.length ? notesSoFar(pop.notesSoFar) : '',
    history(pop),
    openCasesSection(pop.openCases, openCase),
  );
}

/**
 * One step of the caller's way through the IVR, in the page's language (the flows' labels come in each):
 * the node's id stays on it for whoever needs it (`data-node`, and as its tooltip).
 */
function step(s: PathStep): HTMLElement {
  relabelWords();
  return el('li', { 'data-node': s.node, 'data-words': JSON.stringify(s.words), title: s.node }, s.words[tr.language]);
}

let relabelling = false;
/** Once for the page: a change of language rewords every path step shown. */
function relabelWords(): void {
  if (relabelling) return;
  relabelling = true;
  tr.onChange(() => {
    for (const item of document.querySelectorAll<HTMLElement>('[data-words]')) {
      const words = JSON.parse(item.dataset['words'] ?? '{}') as PathStep['words'];
      item.textContent = words[tr.language];
    }
  });
}

type Note = ScreenPop['previousCalls'][number]['notes'][number];

const noteText = (n: Note) =>
  [n.topic ? tr.t(known(`topic.${n.topic}`)) : '', n.disposition ? tr.t(known(`disposition.${n.disposition}`)) : '', n.text].filter(Boolean).join(' — ');

/** A caller passed on by a colleague: what they wrote, so the caller need not tell it again. */
function notesSoFar(notes: Note[]): HTMLElement {
  return el(
    'div',
    { class: 'notes-so-far', 'data-testid': 'notes-so-far' },
    tr.label(el('h3'), 'notesSoFar'),
    ...notes.map((n) => el('blockquote', { class: 'previous-notes', 'data-employee': n.employeeNo }, `${n.employeeNo}: ${noteText(n)}`)),
  );
}

function history(pop: ScreenPop): HTMLElement {
  const list = el('ul', { class: 'previous' });
  for (const call of pop.previousCalls) {
    list.append(
      el(
        'li',
        {},
        el('time', { datetime: call.at }, when(call.at)),
        ' · ',
        call.queue ? tr.label(el('span'), known(`queue.${call.queue}`)) : '',
        call.endReason ? ` · ${call.endReason}` : '',
        ...call.notes.map((n) => el('blockquote', { class: 'previous-notes' }, noteText(n))),
      ),
    );
  }
  return el(
    'div',
    { class: 'history' },
    tr.label(el('h3'), 'previousCalls'),
    pop.previousCalls.length ? list : tr.label(el('p', { class: 'muted' }), 'noPreviousCalls'),
  );
}
