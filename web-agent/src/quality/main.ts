import { el } from '../shared/dom.ts';
import { loginForm } from '../shared/login.ts';
import { api, currentSession, logOut, type Session } from '../shared/session.ts';
import { scorecardView } from './scorecard.ts';
import { tr, type Key } from './strings.ts';
import { trendsPanel } from './trends.ts';
import { workListPanel } from './worklist.ts';

/**
 * The trainers' page at /quality: the day's sampled calls to review, one call's scorecard (its facts, notes,
 * automatic items, recording, the judged items and a coaching note), and quality over time per agent, team
 * and floor. Trainers and supervisors score; managers read; agents are sent to their softphone.
 */

const READERS: ReadonlyArray<Session['staff']['role']> = ['trainer', 'supervisor', 'manager'];
const app = document.querySelector<HTMLElement>('#app')!;

async function start(): Promise<void> {
  const session = currentSession() ?? (await loginForm(app, tr));
  const { name, employeeNo, role } = session.staff;
  const out = tr.label(el('button', { id: 'log-out', type: 'button' }), 'logOut');
  out.addEventListener('click', () => void logOut().then(start));
  const header = el('header', { class: 'quality-header' }, tr.label(el('h1'), 'title'), el('span', { class: 'who' }, tr.t('signedInAs', { name, employeeNo, role: tr.t(`role.${role}` as Key) })), tr.chooser(), out);
  if (!READERS.includes(role)) {
    app.replaceChildren(header, tr.label(el('p', { class: 'refused', role: 'alert', 'data-refused': '' }), 'onlyReaders'));
    return;
  }
  const scorer = role === 'trainer' || role === 'supervisor';
  // Days and times are the hotline's (its time zone), whatever zone this computer is in.
  const { timeZone } = await api<{ timeZone: string }>('/api/quality/scorecard');
  const card = scorecardView({
    scorer,
    timeZone,
    saved: () => {
      void list.refresh();
      void trends.refresh();
    },
  });
  const list = workListPanel({ scorer, timeZone, open: (offerId) => void card.open(offerId) });
  const trends = trendsPanel(timeZone);
  app.replaceChildren(header, el('div', { class: 'quality' }, el('div', { class: 'quality-columns' }, list.element, card.element), trends.element));
  await list.refresh({ draw: true });
}

void start();
