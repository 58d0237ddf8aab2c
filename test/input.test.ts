import { beforeEach, describe, expect, it } from 'vitest';
import { addStaff } from '../src/staff/staff.ts';
import { staffToken } from './support/agents.ts';
import { hotlinePerFile } from './support/running.ts';

/**
 * A NUL in a request's path or query never reaches a route (nor the database, which refuses it with an
 * error the caller of the API would see as a 500): 400, naming where it was.
 */

const running = hotlinePerFile();
let token: string;

beforeEach(async () => {
  await addStaff(running().hotline.database.db, { employeeNo: '2001', name: 'Supervisor', role: 'supervisor', skills: {}, password: 'sanling-test' });
  token = await staffToken(running().url, '2001');
});

async function get(path: string) {
  const res = await fetch(`${running().url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as unknown };
}

describe('a NUL in the path', () => {
  it.each(['/api/calls/%00', '/api/calls/CA%00/notes'])('%s is refused with 400 naming the path', async (path) => {
    expect(await get(path)).toEqual({ status: 400, body: { error: 'path must not contain a NUL character (%00)' } });
  });
});

describe('a NUL in the query', () => {
  it('is refused with 400 naming the parameter', async () => {
    expect(await get('/api/me?view=a%00b')).toEqual({ status: 400, body: { error: 'view must not contain a NUL character' } });
    expect(await get('/api/me?a%00b=1')).toEqual({ status: 400, body: { error: 'names must not contain a NUL character' } });
  });

  it('leaves ordinary requests alone', async () => {
    expect(await get('/api/me?view=all')).toMatchObject({ status: 200, body: { employeeNo: '2001' } });
    expect(await get('/api/calls/CA00000000000000000000000000000000')).toMatchObject({ status: 404 });
  });
});
