import { io, type Socket } from 'socket.io-client';
import { el } from '../shared/dom.ts';
import { loginForm } from '../shared/login.ts';
import { currentSession, logOut, type Session } from '../shared/session.ts';
import { announcementPanel } from './announcement.ts';
import { agentsPanel, queuesPanel, todayPanel, type Panel } from './board.ts';
import { chartsPanel } from './charts.ts';
import { wallTime } from './format.ts';
import type { LiveMetrics, Received } from './metrics.ts';
import { tr, type Key } from './strings.ts';

/**
 * The managers' live dashboard at /dashboard: log in, then today's figures, the queues, the agent board
 * and the charts, pushed by the server on the `/managers` namespace (on every change and every 2 s), and
 * the IVR announcement. Supervisors and managers only; the namespace refuses anyone else as well.
 */

const ROLES: ReadonlyArray<Session['staff']['role']> = ['supervisor', 'manager'];
const app = document.querySelector<HTMLElement>('#app')!;
/** Redraws the open dashboard in a newly chosen language (its figures' words are not all labels). */
let relabel: (() => void) | undefined;
tr.onChange(() => relabel?.());

async function start(): Promise<void> {
  const session = currentSession() ?? (await loginForm(app, tr));
  if (!ROLES.includes(session.staff.role)) refuse(session);
  else dashboard(session);
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

/** An agent (or trainer) who logs in here sees why there is nothing, and no figures. */
function refuse(session: Session): void {
  app.replaceChildren(header(session), tr.label(el('p', { class: 'refused', role: 'alert', 'data-refused': '' }), 'onlyManagers'));
}

function dashboard(session: Session): void {
  const status = tr.label(el('span', { class: 'status', 'data-status': 'connecting' }), 'connecting');
  const panels: Panel[] = [todayPanel(), queuesPanel(), agentsPanel(), chartsPanel()];
  const [today, queues, agents, charts] = panels;
  app.replaceChildren(
    header(session, status),
    el(
      'div',
      { class: 'dashboard' },
      today!.root,
      el('div', { class: 'columns' }, queues!.root, agents!.root),
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
  relabel = () => last && show(last);
  // The waits and times in a presence count up each second between the server's updates. Looked at four times
  // a second: ticking once a second in step with the updates (every 2 s), each tick could fall just short of
  // the next whole second, and the count would never move.
  const ticking = setInterval(() => {
    for (const panel of panels) panel.tick?.();
  }, 250);

  const socket: Socket = io('/managers', { auth: { token: session.token } });
  socket.on('metrics', (metrics: LiveMetrics) => show({ metrics, receivedAt: Date.now() }));
  socket.on('disconnect', () => {
    status.dataset['status'] = 'disconnected';
    tr.label(status, 'disconnected');
  });
  socket.on('connect_error', (err) => {
    if (socket.active) return; // a network hiccup: socket.io tries again by itself
    socket.disconnect();
    clearInterval(ticking);
    relabel = undefined;
    // Refused by the server: the session has ended (log in again) or this role may not watch.
    if (/^forbidden/.test(err.message)) refuse(session);
    else void logOut().then(start);
  });
  document.querySelector('#log-out')!.addEventListener('click', () => {
    relabel = undefined;
    clearInterval(ticking);
    socket.disconnect();
  });
}

void start();
