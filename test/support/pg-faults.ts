import postgres from 'postgres';

/**
 * Faults on the PostgreSQL server itself, through an admin connection of the spec's own. Other spec files
 * share the server (vitest runs two workers), so a fault only ever touches the backends of the hotline under
 * test, found by `application_name`: a hotline process spawned by `spawnHotline` names its connections
 * `<schema>/<label>`, so `name` may be one process's full name, or a schema for every process in it.
 */

const ADMIN_NAME = 'sanling-fault-harness';

async function withAdmin<T>(url: string, use: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {}, connection: { application_name: ADMIN_NAME } });
  try {
    return await use(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Backends named `name`, or `name/…` (every process in schema `name`); never the admin connection itself. */
const belongs = (sql: postgres.Sql, name: string) =>
  sql`(application_name = ${name} or starts_with(application_name, ${name + '/'})) and pid <> pg_backend_pid()`;

/** `pg_terminate_backend` for each backend of `name`, as an administrator would; how many were ended. */
export async function terminateBackends(url: string, name: string): Promise<number> {
  if (!name) throw new Error('terminateBackends needs a name: an empty one would end every test file\'s connections');
  return withAdmin(url, async (sql) => {
    const ended = await sql<{ ended: boolean }[]>`select pg_terminate_backend(pid) as ended from pg_stat_activity where ${belongs(sql, name)}`;
    return ended.filter((row) => row.ended).length;
  });
}

export type Backend = { pid: number; applicationName: string; state: string | null; query: string };

/** The backends of `name` connected now, with their application names and last statements (`LISTEN …`: the Socket.IO adapter's). */
export async function backendsOf(url: string, name: string): Promise<Backend[]> {
  return withAdmin(url, (sql) =>
    sql<Backend[]>`
      select pid, application_name as "applicationName", state, query from pg_stat_activity where ${belongs(sql, name)} order by pid`,
  );
}
