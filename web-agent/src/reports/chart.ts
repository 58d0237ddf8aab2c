import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { Report } from '../../../src/reports/history.ts';
import { tr } from './strings.ts';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);

const COLOURS = { answered: '#2f7d4f', abandoned: '#c8553d', offered: '#1f4e8c' };

/** Calls per period of the report's totals: answered and abandoned stacked, offered as a line (as the dashboard's). */
export function reportChart(canvas: HTMLCanvasElement): (report: Report) => void {
  const chart = new Chart<'bar' | 'line', number[], string>(canvas, {
    type: 'bar',
    data: {
      labels: [],
      datasets: [
        { type: 'line', label: '', data: [], borderColor: COLOURS.offered, backgroundColor: COLOURS.offered, pointRadius: 2, borderWidth: 2, order: 0 },
        { type: 'bar', label: '', data: [], backgroundColor: COLOURS.answered, stack: 'calls', order: 1 },
        { type: 'bar', label: '', data: [], backgroundColor: COLOURS.abandoned, stack: 'calls', order: 1 },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: 'bottom' } },
    },
  });
  return (report) => {
    const totals = report.rows.filter((r) => r.total);
    chart.data.labels = totals.map((r) => r.period);
    const [offered, answered, abandoned] = chart.data.datasets;
    offered!.data = totals.map((r) => r.figures.offered);
    answered!.data = totals.map((r) => r.figures.answered);
    abandoned!.data = totals.map((r) => r.figures.abandoned);
    offered!.label = tr.t('offered');
    answered!.label = tr.t('answered');
    abandoned!.label = tr.t('abandoned');
    chart.update();
  };
}
