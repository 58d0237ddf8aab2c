import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { el } from '../shared/dom.ts';
import { wallTime } from './format.ts';
import type { Panel } from './board.ts';
import type { RingsHistogram } from './metrics.ts';
import { tr, type Key } from './strings.ts';

// Only the pieces drawn here: bars, a line, two axes, the legend and tooltips.
Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);

const COLOURS = { answered: '#2f7d4f', abandoned: '#c8553d', offered: '#1f4e8c', withinStandard: '#2f7d4f', over: '#c8553d' };
const BUCKETS: Array<keyof RingsHistogram> = ['1', '2', '3', '4+'];

/** A chart in a box of fixed height (Chart.js sizes itself to its container). */
function chartBox(title: Key, name: string) {
  const canvas = el('canvas', { 'data-chart': name, role: 'img' });
  const root = el('figure', { class: 'chart' }, tr.label(el('figcaption'), title), el('div', { class: 'chart-box' }, canvas));
  return { root, canvas };
}

const integerAxis = { beginAtZero: true, ticks: { precision: 0 } };

/** Today's calls per 15 minutes: answered and abandoned stacked, offered as a line over them. */
function callsChart(): Panel {
  const { root, canvas } = chartBox('callsPer15', 'calls-per-15-minutes');
  const chart = new Chart<'bar' | 'line', number[], string>(canvas, {
    type: 'bar',
    data: {
      labels: [],
      datasets: [
        { type: 'line', label: tr.t('offered'), data: [], borderColor: COLOURS.offered, backgroundColor: COLOURS.offered, pointRadius: 0, borderWidth: 2, order: 0 },
        { type: 'bar', label: tr.t('answered'), data: [], backgroundColor: COLOURS.answered, stack: 'calls', order: 1 },
        { type: 'bar', label: tr.t('abandoned'), data: [], backgroundColor: COLOURS.abandoned, stack: 'calls', order: 1 },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: { stacked: true, ticks: { autoSkip: true, maxRotation: 0 } }, y: { ...integerAxis, stacked: true } },
      plugins: { legend: { position: 'bottom' } },
    },
  });
  return {
    root,
    update({ metrics }) {
      const slots = metrics.per15Minutes;
      chart.data.labels = slots.map((s) => wallTime(s.start, metrics.timeZone));
      const [offered, answered, abandoned] = chart.data.datasets;
      offered!.data = slots.map((s) => s.offered);
      answered!.data = slots.map((s) => s.answered);
      abandoned!.data = slots.map((s) => s.abandoned);
      offered!.label = tr.t('offered');
      answered!.label = tr.t('answered');
      abandoned!.label = tr.t('abandoned');
      chart.update();
    },
  };
}

/** Answered calls by rings to answer; the bars within the three-ring standard in green, 4+ in red. */
function ringsChart(): Panel {
  const { root, canvas } = chartBox('ringsHistogram', 'rings-histogram');
  const chart = new Chart<'bar', number[], string>(canvas, {
    type: 'bar',
    data: {
      labels: [],
      datasets: [{ label: tr.t('answered'), data: [], backgroundColor: BUCKETS.map((b) => (b === '4+' ? COLOURS.over : COLOURS.withinStandard)) }],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { y: integerAxis },
      plugins: { legend: { display: false } },
    },
  });
  return {
    root,
    update({ metrics }) {
      chart.data.labels = BUCKETS.map((b) => (b === '4+' ? tr.t('ringsOver') : tr.t(b === '1' ? 'oneRing' : 'nRings', { n: b })));
      chart.data.datasets[0]!.data = BUCKETS.map((b) => metrics.ringsHistogram[b]);
      chart.data.datasets[0]!.label = tr.t('answered');
      chart.update();
    },
  };
}

export function chartsPanel(): Panel {
  const calls = callsChart();
  const rings = ringsChart();
  const root = el('section', { class: 'panel charts' }, calls.root, rings.root);
  return {
    root,
    update(received) {
      calls.update(received);
      rings.update(received);
    },
  };
}
