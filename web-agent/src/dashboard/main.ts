import { connectTo } from '../shared/socket.ts';
import { el } from '../shared/dom.ts';
import { loginForm } from '../shared/login.ts';
import { currentSession, logOut, type Session } from '../shared/session.ts';
import { announcementPanel } from './announcement.ts';
import { agentsPanel, queuesPanel, todayPanel, type Panel } from './board.ts';
import { callbacksPanel } from './callbacks.ts';
import { caseDeskPanels } from './case-desk.ts';
import { chartsPanel } from './charts.ts';
import { goalsPanel } from './goals.ts';
import { staffingPanel } from './staffing.ts';
import { monitoring } from './monitor.ts';
import { wallTime } from './format.ts';
import type { Received } from './metrics.ts';
import { tr, type Key } from './strings.ts';

/**
 * The managers' live dashboard at /dashboard: log in, then today's figures, the queues, the agent board
 * and the charts, pushed by the server on the `/managers` namespace (on every change and every 2 s), the
 * case desk (figures, board, a case and its actions) and the IVR announcement. Supervisors and managers; the
 * namespace refuses anyone else as well. Trainers read the case desk alone, without actions or the socket.
 */

const ROLES: ReadonlyArray<Session['staff']['role']> = ['supervisor', 'manager'];
const READERS: ReadonlyArray<Session['staff']['role']> = ['trainer'];
const app = document.querySelector<HTMLElement>('#app')!;
/** Redraws the open dashboard in a newly chosen language (its figures' words are not all labels). */
let relabel: (() => void) | undefined;
tr.onChange(() => relabel?.());

async function start(): Promise<void> {
  const session = currentSession() ?? (await loginForm(app, tr));
  if (ROLES.includes(session.staff.role)) dashboard(session);
  else if (READERS.includes(session.staff.role)) casesOnly(session);
  else refuse(session);
}

function header(session: Session, ...extra: HTMLElement[]): HTMLElement {
  const { name, employeeNo, role } = session.staff;
  const out = tr.label(el('button', { id: 'log-out', type: 'button' }), 'logOut');
  out.addEventListener('click', () => void logOut().then(start));
  return el(
    'header',
    { class: 'dashboard-header' },
    tr.label(el('h1'), 'title'),
    ...extra,
    el('span', { class: 'who', 'data-who': employeeNo }, tr.t('signedInAs', { name, employeeNo, role: tr.t(`role.${role}` as Key) })),
    tr.chooser(),
    out,
  );
}

/** An agent who logs in here sees why there is nothing, and no figures. */
function refuse(session: Session): void {
  app.replaceChildren(header(session), tr.label(el('p', { class: 'refused', role: 'alert', 'data-refused': '' }), 'onlyManagers'));
}

/**
 * A trainer's page: the case figures and the board, read only. It reads them over REST (every 30 s): the
 * live socket is the supervisors' and managers'.
 */
function casesOnly(session: Session): void {
  const end = () => {
    relabel = undefined;
    cases.stop();
  };
  const cases = caseDeskPanels(session, {
    readOnly: true,
    ended: () => {
      end();
      void start();
    },
  });
  app.replaceChildren(header(session), el('div', { class: 'dashboard' }, cases.figures, cases.board, cases.detail));
  relabel = cases.relabel;
  document.querySelector('#log-out')!.addEventListener('click', end);
}

function dashboard(session: Session): void {
  const status = tr.label(el('span', { class: 'status', 'data-status': 'connecting' }), 'connecting');
  const error = el('p', { class: 'error', role: 'alert', 'data-testid': 'error' });
  const report = (err: unknown) => (error.textContent = err instanceof Error ? err.message : String(err));
  // Supervisors monitor calls from the agent board, with a phone of their own (managers have none).
  const monitor = session.staff.role === 'supervisor' ? monitoring(session.token, report) : undefined;
  const panels: Panel[] = [todayPanel(), callbacksPanel(), queuesPanel(), agentsPanel(monitor, report), chartsPanel(), goalsPanel(), staffingPanel()];
  const [today, callbacks, queues, agents, charts, goals, staffing] = panels;
  // The session ended (the API said so before the socket did): the page stops and asks for a login.
  const cases = caseDeskPanels(session, {
    readOnly: false,
    ended: () => {
      end();
      void start();
    },
  });
  app.replaceChildren(
    header(session, status),
    error,
    el(
      'div',
      { class: 'dashboard' },
      el('div', { class: 'today-row' }, today!.root, callbacks!.root),
      goals!.root,
      el('div', { class: 'columns' }, queues!.root, agents!.root),
      staffing!.root,
      el('div', { class: 'cases' }, tr.label(el('h2', { class: 'section-heading' }), 'casesHeading'), cases.figures, cases.board, cases.detail),
      charts!.root,
      announcementPanel(),
    ),
  );

  let last: Received | undefined;
  const show = (received: Received) => {
    last = received;
    for (const panel of panels) panel.update(received);
    status.dataset['status'] = 'live';
    tr.label(status, 'live', { time: wallTime(received.metrics.at, received.metrics.timeZone, true) });
  };
  relabel = () => {
    if (last) show(last);
    cases.relabel();
  };
  // The waits and times in a presence count up each second between the server's updates. Looked at four times
  // a second: ticking once a second in step with the updates (every 2 s), each tick could fall just short of
  // the next whole second, and the count would never move.
  const ticking = setInterval(() => {
    for (const panel of panels) panel.tick?.();
  }, 250);

  // Typed with /managers' events (src/realtime/events.ts): the payloads are the server's own types.
  const socket = connectTo('/managers', session.token);
  socket.on('metrics', (metrics) => show({ metrics, receivedAt: Date.now() }));
  socket.on('case-changed', (change) => cases.changed(change));
  socket.on('case-alert', (alert) => cases.alert(alert));
  // Back after a break: what changed meanwhile was announced to nobody here.
  socket.io.on('reconnect', () => cases.refresh());
  socket.on('disconnect', () => {
    status.dataset['status'] = 'disconnected';
    tr.label(status, 'disconnected');
  });
  const end = () => {
    relabel = undefined;
    clearInterval(ticking);
    cases.stop();
    monitor?.close();
    socket.disconnect();
  };
  socket.on('connect_error', (err) => {
    if (socket.active) return; // a network hiccup: socket.io tries again by itself
    end();
    // Refused by the server: the session has ended (log in again) or this role may not watch.
    if (/^forbidden/.test(err.message)) refuse(session);
    else void logOut().then(start);
  });
  document.querySelector('#log-out')!.addEventListener('click', end);
}

void start();
