import { el } from './dom.ts';
import type { Translator } from './i18n.ts';
import { ApiError, logIn, type Session } from './session.ts';

/** The words a page's string table must have for its login form. */
export type LoginWords = 'title' | 'employeeNo' | 'password' | 'logIn' | 'badLogin';

/** The login form of both pages: employee number and password. Resolves with the session once the server accepts them. */
export function loginForm<K extends string>(root: HTMLElement, tr: Translator<K | LoginWords>): Promise<Session> {
  const employeeNo = el('input', { id: 'employee-no', name: 'employeeNo', autocomplete: 'username', inputmode: 'numeric', required: true });
  const password = el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = tr.label(el('button', { id: 'log-in', type: 'submit', class: 'primary' }), 'logIn');
  const error = el('p', { 'data-testid': 'error', class: 'error', role: 'alert' });
  const form = el(
    'form',
    { class: 'login card' },
    tr.label(el('h1'), 'title'),
    el('label', {}, tr.label(el('span'), 'employeeNo'), employeeNo),
    el('label', {}, tr.label(el('span'), 'password'), password),
    submit,
    error,
    el('div', { class: 'tools' }, tr.chooser()),
  );
  root.replaceChildren(form);
  employeeNo.focus();
  return new Promise((resolve) => {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      submit.disabled = true;
      error.textContent = '';
      logIn(employeeNo.value.trim(), password.value).then(resolve, (err: unknown) => {
        submit.disabled = false;
        if (err instanceof ApiError && err.status === 401) tr.label(error, 'badLogin');
        else error.textContent = err instanceof Error ? err.message : String(err);
      });
    });
  });
}
