import type { ScorecardView } from '../../../src/quality/scoring.ts';
import { el } from '../shared/dom.ts';
import { api, currentSession } from '../shared/session.ts';
import { hotlineTime } from '../shared/time.ts';
import { tr, type Key } from './strings.ts';

type Item = ScorecardView['items'][number];

/** How a promised callback went, in the words of the automatic item. */
function callbackState(c: NonNullable<ScorecardView['callback']>): Key {
  if (c.answered && c.metAt) return c.metAt <= c.dueAt ? 'callback.kept' : 'callback.late';
  return c.open && Date.now() <= Date.parse(c.dueAt) ? 'callback.open' : 'callback.broken';
}

/**
 * One call's scorecard: what happened (agent, caller, rings, talk time), the agent's notes, the recording to
 * listen to, the automatic items, the judged items to score while listening, and the coaching note. Scorers
 * save it; managers read it.
 */
export function scorecardView(o: { scorer: boolean; timeZone: string; saved: () => void }) {
  const body = el('div', { class: 'scorecard-body' }, tr.label(el('p', { class: 'muted' }), 'chooseCall'));
  const element = el('section', { class: 'panel scorecard', 'data-testid': 'scorecard' }, tr.label(el('h2'), 'scorecard'), body);
  let audioUrl: string | undefined;

  async function open(offerId: number) {
    const card = await api<ScorecardView>(`/api/quality/calls/${offerId}`);
    if (audioUrl) URL.revokeObjectURL(audioUrl);
    audioUrl = undefined;
    body.replaceChildren(...render(offerId, card));
  }

  function render(offerId: number, card: ScorecardView): HTMLElement[] {
    const c = card.call;
    const fact = (key: Key, value: string) => el('div', { class: 'row' }, tr.label(el('dt'), key), el('dd', {}, value));
    const facts = el(
      'dl',
      { class: 'facts', 'data-testid': 'call-facts' },
      fact('agent', `${c.agentName} (${c.employeeNo})`),
      fact('queue', c.queue),
      fact('caller', c.from),
      fact('answeredAt', hotlineTime(c.answeredAt, tr.language, o.timeZone, 'date')),
      fact('rings', c.rings === null ? '–' : String(c.rings)),
      fact('talk', c.talkSeconds === null ? '–' : tr.t('seconds', { n: c.talkSeconds })),
      ...(card.callback ? [fact('callback', tr.t('callbackState', { reference: card.callback.reference, due: hotlineTime(card.callback.dueAt, tr.language, o.timeZone, 'date'), state: tr.t(callbackState(card.callback)) }))] : []),
    );
    const n = card.notes;
    const notes = n
      ? el('dl', { class: 'facts', 'data-testid': 'call-notes' }, ...(['passengerName', 'contactNumber', 'trainNumber', 'seatNumber', 'text', 'disposition'] as const).map((k) => fact(`note.${k}`, n[k] || '–')))
      : tr.label(el('p', { class: 'muted', 'data-testid': 'call-notes' }), 'noNotes');

    const automatic = card.items.filter((i) => i.kind === 'automatic').map(automaticRow);
    const inputs = new Map<string, HTMLInputElement>();
    const judged = card.items.filter((i) => i.kind === 'judged').map((i) => judgedRow(i, inputs));
    const coaching = el('textarea', { name: 'coaching', rows: 3, maxlength: 2000, 'data-testid': 'coaching', disabled: !o.scorer }, card.coaching?.text ?? '');
    const ack = card.coaching ? el('p', { class: 'muted', 'data-testid': 'coaching-state' }, card.coaching.acknowledgedAt ? tr.t('acknowledged', { at: hotlineTime(card.coaching.acknowledgedAt, tr.language, o.timeZone, 'date') }) : tr.t('notAcknowledged')) : el('p', { hidden: true });
    const result = el('p', { class: 'result', 'data-testid': 'score' }, card.score === null ? '' : tr.t('saved', { score: card.score }));
    const error = el('p', { class: 'error', role: 'alert', 'data-testid': 'score-error' });
    const save = tr.label(el('button', { type: 'submit', class: 'primary', 'data-testid': 'save-score', hidden: !o.scorer }), 'save');
    const form = el(
      'form',
      { class: 'score-form' },
      tr.label(el('h3'), 'judged'),
      el('div', { class: 'items' }, ...judged),
      el('label', { class: 'coaching-field' }, tr.label(el('span'), 'coaching'), coaching, tr.label(el('small', { class: 'muted' }), 'coachingHint')),
      ack,
      save,
      result,
      error,
      o.scorer ? el('span', { hidden: true }) : tr.label(el('p', { class: 'muted' }), 'readOnly'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      error.textContent = '';
      const points = Object.fromEntries([...inputs].map(([name, input]) => [name, input.value === '' ? undefined : Number(input.value)]));
      save.disabled = true;
      api<ScorecardView>(`/api/quality/calls/${offerId}/score`, { method: 'PUT', body: { judged: points, coaching: coaching.value } })
        .then((saved) => {
          body.replaceChildren(...render(offerId, saved));
          o.saved();
        })
        .catch((err: unknown) => {
          save.disabled = false;
          error.textContent = err instanceof Error ? err.message : String(err);
        });
    });

    return [
      facts,
      tr.label(el('h3'), 'notes'),
      notes,
      tr.label(el('h3'), 'recording'),
      player(card.recording),
      tr.label(el('h3'), 'automatic'),
      el('div', { class: 'items', 'data-testid': 'automatic-items' }, ...automatic),
      form,
    ];
  }

  function automaticRow(i: Item): HTMLElement {
    const shown = i.value === null ? tr.t('doesNotApply') : `${Math.round(i.value * 100)} %`;
    return el(
      'div',
      { class: 'item', 'data-item': i.name, 'data-value': i.value ?? 'n/a' },
      el('span', { class: 'item-label' }, i.label[tr.language] ?? i.name),
      el('span', { class: 'item-weight muted' }, tr.t('weight', { weight: i.weight })),
      el('strong', { class: 'item-value' }, shown),
    );
  }

  function judgedRow(i: Item, inputs: Map<string, HTMLInputElement>): HTMLElement {
    const input = el('input', { type: 'number', name: i.name, min: 0, max: i.max, step: 1, 'data-testid': `judged-${i.name}`, value: i.points ?? '', disabled: !o.scorer, 'aria-label': i.label[tr.language] ?? i.name });
    inputs.set(i.name, input);
    return el(
      'label',
      { class: 'item', 'data-item': i.name },
      el('span', { class: 'item-label' }, i.label[tr.language] ?? i.name),
      el('span', { class: 'item-weight muted' }, `${tr.t('weight', { weight: i.weight })} · ${tr.t('points', { max: i.max })}`),
      input,
    );
  }

  /** The recording's audio needs the session's token, which an <audio src> cannot send: fetched, then played from memory. */
  function player(recording: ScorecardView['recording']): HTMLElement {
    if (!recording || recording.status !== 'completed') return tr.label(el('p', { class: 'muted', 'data-testid': 'no-recording' }), 'noRecording');
    const audio = el('audio', { controls: true, 'data-testid': 'recording', hidden: true });
    const load = tr.label(el('button', { type: 'button', 'data-testid': 'load-recording' }), 'loadRecording');
    const error = el('p', { class: 'error', role: 'alert' });
    load.addEventListener('click', () => {
      load.disabled = true;
      void fetch(recording.audio, { headers: { authorization: `Bearer ${currentSession()?.token ?? ''}` } })
        .then(async (res) => {
          if (!res.ok) throw new Error(((await res.json().catch(() => ({}))) as { error?: string }).error ?? `${res.status}`);
          audioUrl = URL.createObjectURL(await res.blob());
          audio.src = audioUrl;
          audio.hidden = false;
          load.hidden = true;
          await audio.play().catch(() => undefined);
        })
        .catch((err: unknown) => {
          load.disabled = false;
          error.textContent = err instanceof Error ? err.message : String(err);
        });
    });
    return el('div', { class: 'player' }, load, audio, error);
  }

  return { element, open };
}
