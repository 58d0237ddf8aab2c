import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import { el } from '../shared/dom.ts';
import { api } from '../shared/session.ts';
import type { Panel } from './board.ts';
import { duration, rate } from './format.ts';
import { tr, type Key } from './strings.ts';
import type { StaffingAdvice } from '../../../src/metrics/staffing.ts';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

/**
 * Staffing advice (GET /api/reports/staffing, Erlang C): per queue, the calls per hour of the last 15, 30 and
 * 60 minutes and the agents each rate needs for the goal, against the agents logged in with the queue's skill,
 * and the service level those would give; then tomorrow's agents needed per half hour, from the same weekday
 * of the last four weeks, as bars. Asked again every 30 s while the live updates come.
 */

const REFRESH_MS = 30_000;
const NONE = '—';
const num = (n: number | null, digits = 0) => (n === null ? NONE : n.toFixed(digits));

export function staffingPanel(): Panel {
  const heading = el('h2');
  const body = el('tbody');
  const head = el('tr', {}, ...(['queue', 'staffingCalls', 'staffingAht', 'staffingNeeded', 'staffingLoggedIn', 'staffingLevel'] as Key[]).map((k) => tr.label(el('th', { scope: 'col' }), k)));
  const tomorrowHeading = el('figcaption');
  const empty = tr.label(el('p', { class: 'empty', hidden: true }), 'staffingNoHistory');
  const canvas = el('canvas', { 'data-chart': 'staffing-tomorrow', role: 'img' });
  const box = el('div', { class: 'chart-box' }, canvas);
  const root = el(
    'section',
    { class: 'panel staffing', 'data-testid': 'staffing' },
    heading,
    el('div', { class: 'table-scroll' }, el('table', {}, el('thead', {}, head), body)),
    el('figure', { class: 'chart' }, tomorrowHeading, empty, box),
  );
  const chart = new Chart<'bar', number[], string>(canvas, {
    type: 'bar',
    data: { labels: [], datasets: [{ label: tr.t('staffingAgents'), data: [], backgroundColor: '#1f4e8c' }] },
    options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } },
  });
  let last: StaffingAdvice | undefined;
  let asked = 0;

  const show = (advice: StaffingAdvice) => {
    last = advice;
    tr.label(heading, 'staffingHeading', { goal: Math.round(advice.goal * 100) });
    const windows = advice.now;
    body.replaceChildren(
      ...windows[0]!.queues.map((q0) => {
        const per = windows.map((w) => w.queues.find((q) => q.queue === q0.queue)!);
        const thirty = per[1] ?? per[0]!;
        const short = thirty.needed !== null && thirty.loggedIn - thirty.onBreak < thirty.needed;
        return el(
          'tr',
          { 'data-queue': q0.queue, class: short ? 'has-waiting' : '' },
          el('td', {}, q0.queue),
          el('td', { 'data-calls': '' }, per.map((q) => num(q.arrivalsPerHour)).join(' · ')),
          el('td', {}, duration(thirty.ahtSeconds)),
          el('td', { 'data-needed': '', 'data-waiting': short ? '' : undefined }, per.map((q) => num(q.needed)).join(' · ')),
          el('td', { 'data-logged-in': '' }, `${thirty.loggedIn} (${thirty.onBreak})`),
          el('td', {}, rate(thirty.serviceLevelWithLoggedIn)),
        );
      }),
    );
    tr.label(tomorrowHeading, 'staffingTomorrow', { date: advice.tomorrow.date, weeks: advice.tomorrow.weeks });
    empty.hidden = advice.tomorrow.weeks > 0;
    box.hidden = !empty.hidden;
    chart.data.labels = advice.tomorrow.slots.map((s) => s.start);
    chart.data.datasets[0]!.data = advice.tomorrow.slots.map((s) => s.needed ?? 0);
    chart.data.datasets[0]!.label = tr.t('staffingAgents');
    chart.update();
  };

  return {
    root,
    update() {
      if (last) show(last);
      if (Date.now() - asked < REFRESH_MS) return;
      asked = Date.now();
      api<StaffingAdvice>('/api/reports/staffing').then(show, () => (asked = 0));
    },
  };
}
