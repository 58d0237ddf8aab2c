import { loginForm } from '../shared/login.ts';
import { currentSession } from '../shared/session.ts';
import { openDesk } from './desk.ts';
import { tr } from './i18n.ts';

/** The agent's softphone page: log in (unless this tab already has a session), then the desk until log out. */
const root = document.querySelector<HTMLElement>('#app')!;
const title = () => (document.title = tr.t('title'));
title();
tr.onChange(title);

for (;;) {
  const session = currentSession() ?? (await loginForm(root, tr));
  await openDesk(root, session);
}
