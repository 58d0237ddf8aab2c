/**
 * The staff member's login, shared by the softphone and the dashboard: POST /api/login, the bearer token kept
 * in sessionStorage (one per tab, gone when the tab closes), and `api()` for authorised JSON requests.
 */

export type Staff = { id: number; employeeNo: string; name: string; role: 'agent' | 'supervisor' | 'manager' | 'trainer' };
export type Session = { token: string; expiresAt: string; staff: Staff };

const KEY = 'sanling.session';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The stored session. Its expiry is the server's to judge (the browser's clock may differ): a 401 ends it. */
export function currentSession(): Session | undefined {
  const raw = sessionStorage.getItem(KEY);
  return raw ? (JSON.parse(raw) as Session) : undefined;
}

export async function logIn(employeeNo: string, password: string): Promise<Session> {
  const session = await request<Session>('/api/login', { method: 'POST', body: { employeeNo, password } });
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export async function logOut(): Promise<void> {
  await api('/api/logout', { method: 'POST' }).catch(() => undefined);
  sessionStorage.removeItem(KEY);
}

/** A JSON request with the session's token; a 401 forgets the session (it expired or was ended). */
export async function api<T = unknown>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const session = currentSession();
  try {
    return await request<T>(path, init, session?.token);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) sessionStorage.removeItem(KEY);
    throw err;
  }
}

async function request<T>(path: string, init: { method?: string; body?: unknown }, token?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers['authorization'] = `Bearer ${token}`;
  const res = await fetch(path, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  if (res.status === 204) return undefined as T;
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new ApiError(res.status, body.error ?? `${res.status} ${res.statusText}`);
  return body as T;
}
