import { el } from '../shared/dom.ts';
import { loginForm } from '../shared/login.ts';
import { ApiError, api, currentSession, logOut, type Session } from '../shared/session.ts';
import type { Report } from '../../../src/reports/history.ts';
import { reportChart } from './chart.ts';
import { reportTable } from './table.ts';
import { tr, type Key } from './strings.ts';

/**
 * The reports page at /reports (supervisors and managers): a date range, per day, week or month, by queue or
 * by agent, filtered to one of them; a chart of the calls per period and the table of figures; the same rows
 * downloaded as CSV or Excel (GET /api/reports/history[.csv|.xlsx], with the session's token).
 */

const ROLES: ReadonlyArray<Session['staff']['role']> = ['supervisor', 'manager'];
const app = document.querySelector<HTMLElement>('#app')!;
let relabel: (() => void) | undefined;
tr.onChange(() => relabel?.());

async function start(): Promise<void> {
  const session = currentSession() ?? (await loginForm(app, tr));
  if (ROLES.includes(session.staff.role)) reports(session);
  else app.replaceChildren(header(session), tr.label(el('p', { class: 'refused card', role: 'alert', 'data-refused': '' }), 'onlyManagers'));
}

function header(session: Session): HTMLElement {
  const out = tr.label(el('button', { id: 'log-out', type: 'button' }), 'logOut');
  out.addEventListener('click', () => void logOut().then(start));
  const { name, employeeNo } = session.staff;
  return el(
    'header',
    { class: 'reports-header' },
    tr.label(el('h1'), 'title'),
    tr.label(el('a', { href: '/dashboard' }), 'dashboard'),
    el('span', { class: 'who' }, tr.t('signedInAs', { name, employeeNo })),
    tr.chooser(),
    out,
  );
}

/** Local dates as YYYY-MM-DD: this month so far by default. */
const isoDay = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

function choice(name: string, options: Array<[string, Key]>): HTMLSelectElement {
  return el('select', { name }, ...options.map(([value, key]) => tr.label(el('option', { value }), key)));
}

function reports(session: Session): void {
  const today = new Date();
  const from = el('input', { type: 'date', name: 'from', value: isoDay(new Date(today.getFullYear(), today.getMonth(), 1)), required: true });
  const to = el('input', { type: 'date', name: 'to', value: isoDay(today), required: true });
  const period = choice('period', [
    ['day', 'period.day'],
    ['week', 'period.week'],
    ['month', 'period.month'],
  ]);
  const by = choice('by', [
    ['queue', 'by.queue'],
    ['agent', 'by.agent'],
  ]);
  // Filled from the rows of the reports shown: the queues and agents that had calls.
  const queue = el('select', { name: 'queue' }, tr.label(el('option', { value: '' }), 'all'));
  const agent = el('select', { name: 'agent', hidden: true }, tr.label(el('option', { value: '' }), 'all'));
  const show = tr.label(el('button', { type: 'submit', class: 'primary', 'data-testid': 'show' }), 'show');
  const csv = tr.label(el('button', { type: 'button', 'data-testid': 'download-csv' }), 'csv');
  const xlsx = tr.label(el('button', { type: 'button', 'data-testid': 'download-xlsx' }), 'xlsx');
  const labelled = (key: Key, control: HTMLElement) => el('label', {}, tr.label(el('span'), key), control);
  const agentLabel = labelled('agentFilter', agent);
  const queueLabel = labelled('queueFilter', queue);
  agentLabel.hidden = true;
  const form = el(
    'form',
    { class: 'report-form card' },
    labelled('from', from),
    labelled('to', to),
    labelled('period', period),
    labelled('by', by),
    queueLabel,
    agentLabel,
    el('div', { class: 'actions' }, show, csv, xlsx),
  );
  const error = el('p', { class: 'error', role: 'alert', 'data-testid': 'error' });
  const note = el('p', { class: 'report-note' });
  const canvas = el('canvas', { role: 'img', 'data-chart': 'report' });
  const chartBox = el('section', { class: 'card' }, tr.label(el('h2'), 'chart'), el('div', { class: 'report-chart' }, canvas));
  const table = el('section', { class: 'card report-table', 'data-testid': 'report' });
  app.replaceChildren(header(session), el('div', { class: 'reports' }, form, error, note, chartBox, table));
  const draw = reportChart(canvas);
  let last: Report | undefined;

  const query = () => {
    const q = new URLSearchParams({ from: from.value, to: to.value, period: period.value, by: by.value, lang: tr.language });
    if (by.value === 'queue' && queue.value) q.set('queue', queue.value);
    if (by.value === 'agent' && agent.value) q.set('agent', agent.value);
    return q;
  };
  const fail = (err: unknown) => {
    if (err instanceof ApiError && err.status === 401) return void start();
    error.textContent = err instanceof Error ? err.message : String(err);
  };
  const render = (report: Report) => {
    last = report;
    tr.label(note, 'note', { timeZone: report.timeZone, seconds: report.serviceLevelSeconds });
    table.replaceChildren(reportTable(report));
    draw(report);
    // The filters offer what the reports have shown (a queue or agent once seen stays on the list).
    for (const r of report.rows) {
      if (r.queue && ![...queue.options].some((o) => o.value === r.queue)) queue.append(el('option', { value: r.queue }, r.queue));
      const id = r.agent ? String(r.agent.staffId) : '';
      if (r.agent && ![...agent.options].some((o) => o.value === id)) agent.append(el('option', { value: id }, `${r.agent.employeeNo} ${r.agent.name}`));
    }
  };
  const load = async () => {
    error.textContent = '';
    show.disabled = true;
    table.dataset['loading'] = 'true';
    try {
      render(await api<Report>(`/api/reports/history?${query()}`));
    } catch (err) {
      fail(err);
    } finally {
      show.disabled = false;
      delete table.dataset['loading'];
    }
  };
  by.addEventListener('change', () => {
    queueLabel.hidden = by.value !== 'queue';
    agentLabel.hidden = by.value !== 'agent';
    agent.hidden = by.value !== 'agent';
    void load();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void load();
  });
  const download = async (kind: 'csv' | 'xlsx') => {
    error.textContent = '';
    try {
      const res = await fetch(`/api/reports/history.${kind}?${query()}`, { headers: { authorization: `Bearer ${currentSession()?.token ?? ''}` } });
      if (!res.ok) throw new ApiError(res.status, ((await res.json().catch(() => ({}))) as { error?: string }).error ?? res.statusText);
      const name = /filename="?([^";]+)"?/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `report.${kind}`;
      const url = URL.createObjectURL(await res.blob());
      const link = el('a', { href: url, download: name, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      fail(err);
    }
  };
  csv.addEventListener('click', () => void download('csv'));
  xlsx.addEventListener('click', () => void download('xlsx'));
  relabel = () => {
    if (last) render(last);
  };
  void load();
}

void start();
