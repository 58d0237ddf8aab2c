import { el } from '../shared/dom.ts';
import { caseTypes, ONLINE_TYPES, type CaseTypes } from './api.ts';
import { filingCard } from './form.ts';
import { lookupCard } from './lookup.ts';
import { knownKeys, tr } from './strings.ts';

/**
 * The passengers' public page at /complaints (no account): file a complaint, a lost-item report or a luggage
 * claim and get a reference; check a case with the reference and the phone number given.
 */

const app = document.querySelector<HTMLElement>('#app')!;

/** The categories the hotline takes now; should it not answer, the ones this page knows (filing tells if it is away). */
async function currentTypes(): Promise<CaseTypes> {
  const fallback: CaseTypes = { complaint: { categories: knownKeys('category') }, 'lost-item': { categories: knownKeys('item') }, 'luggage-claim': { categories: knownKeys('luggage') } };
  const answered = await caseTypes().catch(() => undefined);
  return Object.fromEntries(ONLINE_TYPES.map((type) => [type, answered?.[type] ?? fallback[type]])) as CaseTypes;
}

async function start(): Promise<void> {
  const types = await currentTypes();
  const lookup = lookupCard();
  const filing = filingCard(types, (reference, phone) => lookup.check(reference, phone));
  app.replaceChildren(
    el('header', { class: 'public-header' }, tr.label(el('h1'), 'title'), el('label', { class: 'language' }, tr.chooser())),
    tr.label(el('p', { class: 'intro' }), 'intro'),
    el('div', { class: 'public' }, filing.root, lookup.root),
  );
}

void start();
