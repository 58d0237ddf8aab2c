import { el } from '../shared/dom.ts';
import { count, decimal, duration, percent, rate } from './format.ts';
import { ASA_GOAL_SECONDS, CSAT_GOAL, liveWait, secondsSince, type AgentCounts, type LiveMetrics, type Received } from './metrics.ts';
import type { MonitorMode } from './monitor.ts';
import { tr, type Key } from './strings.ts';

/**
 * The board's three tables of figures: today's, the queues', the agents'. Each panel builds its frame once
 * and refills it on every update; `tick` moves the times that count up live (longest wait, time in a
 * presence) between updates.
 */
export type Panel = { root: HTMLElement; update(received: Received): void; tick?(): void };

const heading = (key: Key) => tr.label(el('h2'), key);

/**
 * A tile of today's figures: a label, the figure(s), a note; `data-figure` marks each figure for tests. A
 * figure given with a label key is captioned (where a tile holds two figures on one scale).
 */
export function tile(label: Key, figures: Array<string | [string, Key]>, note: HTMLElement) {
  const values: Record<string, HTMLElement> = {};
  const value = el('div', { class: 'value' });
  figures.forEach((figure, i) => {
    const [name, caption] = typeof figure === 'string' ? [figure, undefined] : figure;
    values[name] = el('span', { class: 'figure', 'data-figure': name });
    if (i > 0) value.append(el('span', { class: 'separator' }, caption ? ' ' : ' · '));
    value.append(caption ? el('span', { class: 'captioned' }, values[name], tr.label(el('small'), caption)) : values[name]);
  });
  const first = typeof figures[0] === 'string' ? figures[0] : figures[0]![0];
  const root = el('article', { class: 'tile', 'data-tile': first }, tr.label(el('h3'), label), value, note);
  return { root, values };
}

/** Marks a tile as meeting or missing its goal (unset without data). */
function goal(tileRoot: HTMLElement, met: boolean | null) {
  tileRoot.classList.toggle('goal-met', met === true);
  tileRoot.classList.toggle('goal-missed', met === false);
  tileRoot.dataset['goal'] = met === null ? '' : met ? 'met' : 'missed';
}

/** 62.5 → "62.5", 100 → "100": CSAT on its 0–100 scale. */
const score = (n: number | null) => (n === null ? '—' : String(Number(n.toFixed(1))));

export function todayPanel(): Panel {
  const note = () => el('p', { class: 'note' });
  const offered = tile('offered', ['offered'], note());
  const answered = tile('answered', ['answered'], note());
  const abandoned = tile('abandoned', ['abandoned'], note());
  const within = tile('withinStandard', ['withinStandard', 'withinStandardShare'], tr.label(note(), 'withinStandardShare'));
  const rings = tile('averageRings', ['averageRings'], note());
  const asa = tile('averageSpeedOfAnswer', ['averageSpeedOfAnswer'], tr.label(note(), 'asaGoal'));
  const slNote = note();
  const sl = tile('serviceLevel', ['serviceLevel'], slNote);
  const csatNote = el('div', { class: 'note' }, tr.label(el('p'), 'csatGoal'), el('p', { 'data-csat-responses': '' }));
  // Both CSAT figures are on 0–100; the top-2-box comes first, as the one the goal reads.
  const csat = tile('csatTitle', [['csatTopTwoBox', 'topTwoBoxCaption'], ['csat', 'meanCaption']], csatNote);
  const tiles = [offered, answered, abandoned, within, rings, asa, sl, csat];
  const root = el('section', { class: 'panel today', 'aria-labelledby': 'today-heading' }, heading('today'), el('div', { class: 'tiles' }, ...tiles.map((t) => t.root)));
  root.querySelector('h2')!.id = 'today-heading';

  return {
    root,
    update({ metrics: { today } }) {
      offered.values['offered']!.textContent = count(today.offered);
      answered.values['answered']!.textContent = count(today.answered);
      abandoned.values['abandoned']!.textContent = count(today.abandoned);
      within.values['withinStandard']!.textContent = count(today.answeredWithinStandard);
      within.values['withinStandardShare']!.textContent = percent(today.answeredWithinStandardShare);
      rings.values['averageRings']!.textContent = decimal(today.averageRings);
      asa.values['averageSpeedOfAnswer']!.textContent = duration(today.averageSpeedOfAnswerSeconds);
      goal(asa.root, today.averageSpeedOfAnswerSeconds === null ? null : today.averageSpeedOfAnswerSeconds < ASA_GOAL_SECONDS);
      sl.values['serviceLevel']!.textContent = rate(today.serviceLevel);
      tr.label(slNote, 'serviceLevelWithin', { seconds: today.serviceLevelSeconds });
      csat.values['csatTopTwoBox']!.textContent = score(today.csat.topTwoBox);
      csat.values['csat']!.textContent = score(today.csat.mean);
      goal(csat.root, today.csat.topTwoBox === null ? null : today.csat.topTwoBox >= CSAT_GOAL);
      tr.label(csatNote.querySelector<HTMLElement>('[data-csat-responses]')!, 'csatResponses', {
        count: today.csat.responses,
        resolved: rate(today.csat.resolvedRate),
      });
    },
  };
}

const agentColumns: Array<[Key, keyof AgentCounts]> = [
  ['available', 'available'],
  ['ringing', 'ringing'],
  ['onCall', 'onCall'],
  ['wrapUp', 'wrapUp'],
  ['break', 'break'],
];

export function queuesPanel(): Panel {
  const body = el('tbody');
  const head = el('tr', {}, ...(['queue', 'waiting', 'longestWait', ...agentColumns.map(([k]) => k)] as Key[]).map((k) => tr.label(el('th', { scope: 'col' }), k)));
  const root = el('section', { class: 'panel queues' }, heading('queues'), el('div', { class: 'table-scroll' }, el('table', {}, el('thead', {}, head), body)));
  let ticks: Array<() => void> = [];
  return {
    root,
    update(received) {
      ticks = [];
      body.replaceChildren(
        ...received.metrics.queues.map((q) => {
          const wait = el('td', { class: 'live', 'data-longest-wait': '' });
          const show = () => {
            wait.textContent = q.waiting === 0 ? '—' : duration(liveWait(received, q));
          };
          show();
          ticks.push(show);
          return el(
            'tr',
            { 'data-queue': q.name, class: q.waiting > 0 ? 'has-waiting' : '' },
            el('th', { scope: 'row' }, q.name),
            el('td', { 'data-waiting': '' }, count(q.waiting)),
            wait,
            ...agentColumns.map(([, key]) => el('td', { 'data-agents': key }, count(q.agents[key]))),
          );
        }),
      );
    },
    tick() {
      for (const t of ticks) t();
    },
  };
}

/** What a supervisor can do from a row of the agent board: listen to, whisper to or barge into its call. */
export type Monitoring = { start(agent: string, mode: MonitorMode): Promise<void>; stop(): Promise<void> };

export function agentsPanel(monitoring?: Monitoring, report: (err: unknown) => void = () => undefined): Panel {
  const body = el('tbody');
  const columns: Key[] = ['agent', 'presence', 'timeInPresence', 'callsToday', 'withinThreeRings', 'csat'];
  /** Under an agent's presence while they are on a call: listen, whisper, barge, and stop once someone is in it. */
  const monitorButtons = (a: LiveMetrics['agents'][number]) => {
    if (!monitoring || a.presence !== 'on-call') return '';
    const button = (key: Key, act: () => Promise<void>, mode?: MonitorMode) => {
      const b = tr.label(el('button', { type: 'button', ...(mode ? { 'data-monitor-mode': mode } : { 'data-monitor-stop': '' }) }), key);
      b.addEventListener('click', () => {
        b.disabled = true;
        act().then(
          () => (b.disabled = false),
          (err: unknown) => {
            b.disabled = false;
            report(err);
          },
        );
      });
      return b;
    };
    const modes = (['listen', 'whisper', 'barge'] as const).map((mode) => button(`monitorMode.${mode}` as Key, () => monitoring.start(a.employeeNo, mode), mode));
    return el('div', { class: 'monitor' }, ...modes, a.monitored ? button('monitorStop', () => monitoring.stop()) : '');
  };
  const head = el('tr', {}, ...columns.map((k) => tr.label(el('th', { scope: 'col' }), k)));
  const empty = tr.label(el('p', { class: 'empty' }), 'noAgents');
  const root = el('section', { class: 'panel agents' }, heading('agentBoard'), el('div', { class: 'table-scroll' }, el('table', {}, el('thead', {}, head), body)), empty);
  let ticks: Array<() => void> = [];
  return {
    root,
    update(received) {
      ticks = [];
      empty.hidden = received.metrics.agents.length > 0;
      body.replaceChildren(
        ...received.metrics.agents.map((a) => {
          const since = el('td', { class: 'live', 'data-time-in-presence': '' });
          const show = () => {
            since.textContent = duration(secondsSince(received, a.presenceSince));
          };
          show();
          ticks.push(show);
          const presence = el('span', { class: `presence presence-${a.presence}` }, tr.t(`presence.${a.presence}`));
          return el(
            'tr',
            { 'data-agent': a.employeeNo, 'data-presence': a.presence },
            el('th', { scope: 'row' }, el('span', { class: 'employee-no' }, a.employeeNo), ' ', a.name),
            el(
              'td',
              {},
              presence,
              a.breakReason ? el('span', { class: 'break-reason' }, ` (${a.breakReason})`) : '',
              a.onHold ? tr.label(el('span', { class: 'on-hold', 'data-on-hold': '' }), 'onHold') : '',
              a.monitored ? el('span', { class: 'monitored', 'data-monitored': a.monitored }, tr.t(`monitor.${a.monitored}`)) : '',
              monitorButtons(a),
            ),
            since,
            el('td', { 'data-calls-today': '' }, count(a.callsToday)),
            el('td', { 'data-within-standard': '' }, percent(a.withinStandardShare)),
            el('td', { 'data-csat': '', title: `${tr.t('csatTopTwoBox')}: ${score(a.csatTopTwoBox)}` }, score(a.csat)),
          );
        }),
      );
    },
    tick() {
      for (const t of ticks) t();
    },
  };
}
