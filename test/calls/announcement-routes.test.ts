import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { addStaff } from '../../src/staff/staff.ts';
import { englishCallerHears, hotlinePerFile } from '../support/running.ts';
import { staffToken } from '../support/agents.ts';
import { forgetAnnouncement } from '../../src/calls/announcement.ts';

/**
 * Supervisors and managers set and clear the IVR announcement over HTTP; the next caller hears it after
 * choosing a language, before the main menu.
 */

const running = hotlinePerFile();
const h = () => running().hotline;

beforeEach(async () => {
  await h().database.db.execute(sql`delete from settings`);
  forgetAnnouncement(h().database.db);
  for (const [employeeNo, role] of [['1001', 'agent'], ['2001', 'supervisor'], ['3001', 'manager']] as const) {
    await addStaff(h().database.db, { employeeNo, name: `Staff ${employeeNo}`, role, skills: {}, password: 'sanling-test' });
  }
});

const logIn = (employeeNo: string) => staffToken(running().url, employeeNo);

function announcement(method: 'GET' | 'PUT' | 'DELETE', token?: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${running().url}/api/announcement`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

const NOTICE = {
  'zh-CN': '因大风天气，京沪高铁部分列车停运。',
  'en-US': 'Due to high winds, some trains on the Beijing–Shanghai line are suspended.',
  'yue-HK': '因大風天氣，京滬高鐵部分列車停駛。',
};

describe('the IVR announcement', () => {
  it('set by a supervisor over HTTP, is heard by the next caller in their language; cleared, it is not', async () => {
    const before = await englishCallerHears(running().sim);
    expect(before.join('\n')).not.toContain('high winds');

    const token = await logIn('2001');
    const set = await announcement('PUT', token, NOTICE);
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ announcement: NOTICE });

    const during = await englishCallerHears(running().sim);
    const notice = during.indexOf(`[en-US] ${NOTICE['en-US']}`);
    expect(notice).toBeGreaterThan(0);
    // After the language was chosen, before the main menu.
    expect(during.slice(notice + 1).join('\n')).toMatch(/press 1/i);

    const cleared = await announcement('DELETE', token);
    expect(await cleared.json()).toEqual({ announcement: null });
    expect((await englishCallerHears(running().sim)).join('\n')).not.toContain('high winds');
  });

  it('is read back by supervisors and managers', async () => {
    expect(await (await announcement('GET', await logIn('3001'))).json()).toEqual({ announcement: null, languages: ['zh-CN', 'en-US', 'yue-HK'] });
    await announcement('PUT', await logIn('3001'), { 'en-US': '  The Beijing line is running normally.  ' });
    expect(await (await announcement('GET', await logIn('2001'))).json()).toMatchObject({
      announcement: { 'en-US': 'The Beijing line is running normally.' },
    });
  });

  it('may be given in one language only; callers of other languages then hear that one', async () => {
    await announcement('PUT', await logIn('2001'), { 'zh-CN': NOTICE['zh-CN'] });
    expect(await englishCallerHears(running().sim)).toContain(`[zh-CN] ${NOTICE['zh-CN']}`);
  });

  it('is refused without a login (401) and to agents (403), and stays as it was', async () => {
    expect((await announcement('GET')).status).toBe(401);
    expect((await announcement('PUT', undefined, NOTICE)).status).toBe(401);
    const agent = await logIn('1001');
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const res = await announcement(method, agent, method === 'PUT' ? NOTICE : undefined);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toMatch(/supervisor or manager/);
    }
    expect(await (await announcement('GET', await logIn('2001'))).json()).toMatchObject({ announcement: null });
  });

  it.each([
    ['no language', {}, /^request needs a text in at least one of zh-CN, en-US, yue-HK$/],
    ['a language the hotline does not speak', { 'fr-FR': 'Bonjour' }, /^fr-FR is not a language of the hotline/],
    ['an empty text', { 'en-US': '' }, /^en-US must not be empty/],
    ['a blank text', { 'en-US': '   ' }, /^en-US must not be empty/],
    ['501 characters', { 'en-US': 'x'.repeat(501) }, /^en-US must be at most 500 characters$/],
    ['a number', { 'en-US': 42 }, /^en-US must be text$/],
    ['a list', ['en-US'], /^request must be a JSON object/],
  ])('refuses %s with 400 naming the field, and keeps the announcement it had', async (_what, body, message) => {
    const token = await logIn('2001');
    await announcement('PUT', token, { 'en-US': 'Before.' });
    const res = await announcement('PUT', token, body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
    expect(await (await announcement('GET', token)).json()).toMatchObject({ announcement: { 'en-US': 'Before.' } });
  });

  it('accepts 500 characters', async () => {
    const res = await announcement('PUT', await logIn('2001'), { 'en-US': 'x'.repeat(500) });
    expect(res.status).toBe(200);
  });
});
