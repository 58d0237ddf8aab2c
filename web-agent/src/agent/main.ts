import { loginForm } from '../shared/login.ts';
import { currentSession } from '../shared/session.ts';
import { coachingPanel } from './coaching.ts';
import { openDesk } from './desk.ts';
import { tr } from './i18n.ts';

/** The agent's softphone page: log in (unless this tab already has a session), then the desk until log out. */
const root = document.querySelector<HTMLElement>('#app')!;
const title = () => (document.title = tr.t('title'));
title();
tr.onChange(title);

for (;;) {
  const session = currentSession() ?? (await loginForm(root, tr));
  // The trainer's coaching notes sit above the desk, outside what the desk redraws.
  const coaching = coachingPanel();
  root.before(coaching.element);
  await openDesk(root, session);
  coaching.close();
  coaching.element.remove();
}
