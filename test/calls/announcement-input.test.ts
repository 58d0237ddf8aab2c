import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { settings } from '../../db/schema.ts';
import { addStaff } from '../../src/staff/staff.ts';
import { staffToken } from '../support/agents.ts';
import { englishCallerHears, hotlinePerFile } from '../support/running.ts';
import { forgetAnnouncement } from '../../src/calls/announcement.ts';

/**
 * Text that cannot be spoken (XML, and so TwiML, cannot carry it) is refused when a supervisor sets the
 * announcement; and one such value already stored never keeps callers from the rest of the IVR.
 */

const running = hotlinePerFile();
const h = () => running().hotline;

beforeEach(async () => {
  await h().database.db.execute(sql`delete from settings`);
  forgetAnnouncement(h().database.db);
  await addStaff(h().database.db, { employeeNo: '2001', name: 'Supervisor', role: 'supervisor', skills: {}, password: 'sanling-test' });
});

async function put(token: string, body: unknown) {
  const res = await fetch(`${running().url}/api/announcement`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { error?: string; announcement?: unknown } };
}

async function stored(token: string) {
  const res = await fetch(`${running().url}/api/announcement`, { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { announcement: unknown }).announcement;
}

describe('an announcement a caller could not hear', () => {
  it.each([
    ['a NUL', 'Trains\u0000 are late.', 'must not contain a NUL character'],
    ['a lone surrogate', 'Trains \ud800are late.', 'must not contain a lone surrogate (half of a UTF-16 pair)'],
    ['a control character', 'Trains\u0001 are late.', 'must not contain the control character U+0001'],
    ['a noncharacter', 'Trains are late.\uffff', 'must not contain the noncharacter U+FFFF'],
  ])('with %s is refused with 400 naming the language, and the announcement stays as it was', async (_what, text, why) => {
    const token = await staffToken(running().url, '2001');
    expect((await put(token, { 'en-US': 'Before.' })).status).toBe(200);
    const res = await put(token, { 'zh-CN': '列车晚点。', 'en-US': text });
    expect(res).toEqual({ status: 400, body: { error: `en-US ${why}` } });
    expect(await stored(token)).toEqual({ 'en-US': 'Before.' });
  });

  it('keeps line breaks and tabs, which are text', async () => {
    const token = await staffToken(running().url, '2001');
    expect((await put(token, { 'en-US': 'Line one.\n\tLine two.' })).status).toBe(200);
  });
});

describe('an unspeakable announcement already stored (set before the hotline refused it)', () => {
  it.each([
    ['a control character', 'Trains\u0001 are late.'],
    ['a noncharacter', 'Trains are late.\uffff'],
  ])('with %s is read without it, and the caller goes on to the main menu', async (_what, text) => {
    await h().database.db.insert(settings).values({ key: 'announcement', value: { 'en-US': text } });
    forgetAnnouncement(h().database.db);
    const said = await englishCallerHears(running().sim);
    const notice = said.indexOf('[en-US] Trains are late.');
    expect(notice).toBeGreaterThan(0);
    expect(said.join('\n')).not.toMatch(/technical problem/i);
    expect(said.slice(notice + 1).join('\n')).toMatch(/press 1/i);
  });
});
