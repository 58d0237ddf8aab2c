import { el } from '../shared/dom.ts';
import { api } from '../shared/session.ts';
import { tile, type Panel } from './board.ts';
import { duration } from './format.ts';
import { tr, type Key } from './strings.ts';
import type { Goals, GoalPeriod } from '../../../src/reports/goals.ts';

/**
 * The operator's goals against the figures: satisfaction 90+ (CSAT top-2-box) and average answer under 30 s,
 * today, this week and this month, each coloured met or missed, with the previous period and the change
 * (▲ / ▼, green when it is for the better). Read from GET /api/reports/goals, again every minute while the
 * live updates come (the figures are the reports', which move with the slots, not with each call).
 */

const REFRESH_MS = 60_000;
const PERIODS = ['day', 'week', 'month'] as const;

const score = (n: number | null) => (n === null ? '—' : String(Number(n.toFixed(1))));

/** "▲ 5.0" green when better (up for CSAT, down for ASA), "▼ 2.0" red when worse, "=" unchanged. */
function trend(change: number | null, upIsBetter: boolean, format: (n: number) => string): { text: string; better: boolean | null } {
  if (change === null) return { text: '—', better: null };
  if (Math.abs(change) < 0.05) return { text: '=', better: null };
  return { text: `${change > 0 ? '▲' : '▼'} ${format(Math.abs(change))}`, better: change > 0 === upIsBetter };
}

/** The change's colour: through the CSSOM, which the pages' style policy allows (no inline style attribute). */
function colour(note: HTMLElement, better: boolean | null) {
  note.dataset['trend'] = better === null ? '' : better ? 'better' : 'worse';
  note.style.color = better === null ? '' : better ? '#2f7d4f' : '#b42318';
}

function mark(root: HTMLElement, met: boolean | null) {
  root.classList.toggle('goal-met', met === true);
  root.classList.toggle('goal-missed', met === false);
  root.dataset['goal'] = met === null ? '' : met ? 'met' : 'missed';
}

export function goalsPanel(): Panel {
  const note = () => el('p', { class: 'note', 'data-trend': '' });
  const csat = PERIODS.map((p) => tile(`goalCsat.${p}` as Key, [`goal-csat-${p}`], note()));
  const asa = PERIODS.map((p) => tile(`goalAsa.${p}` as Key, [`goal-asa-${p}`], note()));
  const root = el('section', { class: 'panel goals', 'data-testid': 'goals' }, tr.label(el('h2'), 'goalsHeading'), el('div', { class: 'tiles' }, ...csat.map((t) => t.root), ...asa.map((t) => t.root)));
  let last: Goals | undefined;
  let asked = 0;

  const show = (goals: Goals) => {
    last = goals;
    PERIODS.forEach((p, i) => {
      const g = goals.periods.find((x) => x.period === p) as GoalPeriod;
      const c = csat[i]!;
      c.values[`goal-csat-${p}`]!.textContent = score(g.current.csatTopTwoBox);
      mark(c.root, g.csatMet);
      const ct = trend(g.csatChange, true, (n) => n.toFixed(1));
      const cNote = c.root.querySelector<HTMLElement>('[data-trend]')!;
      tr.label(cNote, `trend.${p}` as Key, { previous: score(g.previous.csatTopTwoBox), change: ct.text });
      colour(cNote, ct.better);
      const a = asa[i]!;
      a.values[`goal-asa-${p}`]!.textContent = duration(g.current.averageSpeedOfAnswerSeconds);
      mark(a.root, g.asaMet);
      const at = trend(g.asaChange, false, (n) => duration(n));
      const aNote = a.root.querySelector<HTMLElement>('[data-trend]')!;
      tr.label(aNote, `trend.${p}` as Key, { previous: duration(g.previous.averageSpeedOfAnswerSeconds), change: at.text });
      colour(aNote, at.better);
    });
  };

  return {
    root,
    update() {
      if (last) show(last); // a new language: the notes are relabelled with their figures
      if (Date.now() - asked < REFRESH_MS) return;
      asked = Date.now();
      api<Goals>('/api/reports/goals').then(show, () => (asked = 0));
    },
  };
}
