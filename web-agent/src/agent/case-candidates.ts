import { el } from '../shared/dom.ts';
import { label } from './case-words.ts';
import { candidatesOf, CaseApiError, message, type Candidate, type CandidateList } from './cases-api.ts';
import { tr, type AgentKey } from './i18n.ts';

/** Matches a found item to the case; the refusal, if the hotline refused. */
export type Match = (foundItemId: number) => Promise<CaseApiError | undefined>;

/**
 * A lost-item case's candidate matches (GET /api/cases/:reference/candidates): the unmatched items found on
 * its train within a day of its travel date, most alike first, each with how alike it is, where and when it
 * was found, what it is and where it is kept, and a "This is it" button that matches it to the case. When the
 * case lacks its train or date, it says so instead. The register changes without the case changing (a find
 * recorded elsewhere), so the list has its own Refresh; it is also read again whenever the case changes.
 */
export function candidatesSection(reference: string, match: Match) {
  const error = el('p', { class: 'error', role: 'alert', 'data-testid': 'candidates-error' });
  const unsearchable = el('p', { class: 'muted', hidden: true, 'data-testid': 'candidates-unsearchable' });
  const empty = tr.label(el('p', { class: 'muted', hidden: true, 'data-testid': 'no-candidates' }), 'noCandidates');
  const list = el('ul', { class: 'candidates', 'data-testid': 'candidates' });
  const refreshButton = tr.label(el('button', { type: 'button', class: 'quiet', 'data-testid': 'refresh-candidates' }), 'refresh');
  const element = el(
    'section',
    { class: 'case-candidates', 'data-testid': 'case-candidates', 'aria-busy': 'true' },
    el('header', {}, tr.label(el('h4'), 'candidates'), refreshButton),
    error,
    unsearchable,
    empty,
    list,
  );
  let asked = 0;
  let matching = false;
  let allowed = true;
  let shown: CandidateList | undefined;

  async function load(): Promise<void> {
    const mine = ++asked;
    element.setAttribute('aria-busy', 'true');
    try {
      const read = await candidatesOf(reference);
      if (mine !== asked) return; // a later read is on its way
      shown = read;
      render();
    } catch (err) {
      if (mine === asked) error.textContent = message(err);
    } finally {
      if (mine === asked) element.setAttribute('aria-busy', 'false');
    }
  }

  function render(): void {
    if (!shown) return;
    unsearchable.hidden = !shown.unsearchable;
    // Our words, then the hotline's own reason (its text, shown as text).
    unsearchable.replaceChildren(...(shown.unsearchable ? [label('candidatesUnsearchable'), ' ', el('small', { class: 'reason' }, `(${shown.unsearchable})`)] : []));
    empty.hidden = !!shown.unsearchable || shown.candidates.length > 0;
    list.replaceChildren(...shown.candidates.map(item));
  }

  function item(c: Candidate): HTMLElement {
    const where = [c.car ? pair('car', c.car) : '', c.seat ? pair('seat', c.seat) : ''].filter((p) => p !== '');
    const button = tr.label(el('button', { type: 'button', class: 'primary', 'data-testid': 'match-item', disabled: matching }), 'thisIsIt');
    button.hidden = !allowed;
    button.addEventListener('click', () => void choose(c.id));
    return el(
      'li',
      { 'data-testid': 'candidate', 'data-found-item-id': c.id, 'data-score': c.score, 'data-train': c.trainNumber, 'data-found-on': c.foundOn },
      el('div', { class: 'candidate-head' }, el('strong', { class: 'likeness', 'data-testid': 'candidate-score' }, label('likeness', { score: Math.round(c.score * 100) })), ' ', el('strong', { 'data-field': 'kind' }, c.kind), ' — ', el('span', { 'data-field': 'description' }, c.description)),
      el('div', { class: 'candidate-facts' }, pair('trainNumber', c.trainNumber, 'trainNumber'), ' · ', pair('foundOn', c.foundOn, 'foundOn'), ...where.flatMap((p) => [' · ', p])),
      el('div', {}, pair('keptAt', c.keptAt, 'keptAt')),
      el('div', { class: 'controls' }, button),
    );
  }

  async function choose(foundItemId: number): Promise<void> {
    matching = true;
    error.textContent = '';
    for (const b of list.querySelectorAll('button')) b.disabled = true;
    const refused = await match(foundItemId);
    matching = false;
    if (refused) {
      error.textContent = refused.message;
      if (refused.field) error.dataset['field'] = refused.field;
      else delete error.dataset['field'];
    }
    // Refused, the register may have moved on (the item taken by another case): read it again. Matched, the
    // case's new version reads it again (caseView).
    if (refused) await load();
    else for (const b of list.querySelectorAll('button')) b.disabled = false;
  }

  refreshButton.addEventListener('click', () => {
    error.textContent = '';
    void load();
  });

  return {
    element,
    load,
    /** Whether this member of staff may match now (not a trainer; the case not closed). */
    allow(may: boolean) {
      if (may === allowed) return;
      allowed = may;
      render();
    },
  };
}

const pair = (key: AgentKey, value: string, field?: string) => el('span', { class: 'pair' }, label(key), ': ', el('span', field ? { 'data-field': field } : {}, value));
