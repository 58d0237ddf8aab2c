import { beforeEach, describe, expect, it } from 'vitest';
import { addStaff, type Role } from '../../src/staff/staff.ts';
import { staffToken } from '../support/agents.ts';
import { hotlinePerFile } from '../support/running.ts';

/**
 * Lost and found: station and train staff record what they found in the register; a lost-item case is shown
 * the unmatched finds from its train within a day of its travel date, most alike first; a match is recorded
 * on both sides. Over HTTP, against the running hotline (the clock stands at 2026-11-25 12:00 in Shanghai).
 */

const running = hotlinePerFile();
const h = () => running().hotline;

const STAFF: Record<Role, string> = { agent: '1001', supervisor: '2001', manager: '3001', trainer: '4001' };

beforeEach(async () => {
  for (const [role, employeeNo] of Object.entries(STAFF) as Array<[Role, string]>) {
    await addStaff(h().database.db, { employeeNo, name: `${role} ${employeeNo}`, role, skills: { general: 3 }, password: 'sanling-test' });
  }
});

const tokenOf = (role: Role) => staffToken(running().url, STAFF[role]);

async function api(method: 'GET' | 'POST', path: string, token: string | undefined, body?: unknown) {
  const res = await fetch(`${running().url}/api${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const FOUND = { trainNumber: 'G1234', foundOn: '2026-11-23', car: '05', seat: '12F', kind: 'backpack', description: 'Black laptop backpack, Lenovo, red luggage tag', keptAt: 'Shanghai Hongqiao lost property office' };

async function found(fields: Partial<typeof FOUND>, token?: string): Promise<number> {
  const res = await api('POST', '/found-items', token ?? (await tokenOf('agent')), { ...FOUND, ...fields });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body['id'] as number;
}

async function lostItemCase(fields: Record<string, unknown> = {}): Promise<{ reference: string; id: number; version: number }> {
  const res = await api('POST', '/cases', await tokenOf('agent'), {
    type: 'lost-item',
    category: 'bag',
    passengerName: 'Li Wei',
    contactNumber: '+86 138 0013 8000',
    trainNumber: 'G1234',
    travelDate: '2026-11-23',
    details: { itemKind: 'backpack', itemDescription: 'black Lenovo laptop backpack with a red luggage tag' },
    ...fields,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body['case'] as { reference: string; id: number; version: number };
}

const candidateIds = async (reference: string) => {
  const res = await api('GET', `/cases/${reference}/candidates`, await tokenOf('agent'));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body['candidates'] as Array<{ id: number }>).map((c) => c.id);
};

describe('the found-items register', () => {
  it('records what was found, by whom and where it is kept, and lists it newest find first', async () => {
    const res = await api('POST', '/found-items', await tokenOf('agent'), { ...FOUND, trainNumber: ' g1234 ', description: '  Black laptop backpack  ' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ trainNumber: 'G1234', foundOn: '2026-11-23', car: '05', seat: '12F', kind: 'backpack', description: 'Black laptop backpack', keptAt: FOUND.keptAt, caseId: null, caseReference: null, recordedAt: '2026-11-25T04:00:00.000Z' });
    const [agent] = await h().database.db.query.staff.findMany({ where: (s, { eq }) => eq(s.employeeNo, STAFF.agent) });
    expect(res.body['recordedBy']).toBe(agent!.id);

    const older = await found({ foundOn: '2026-11-20', trainNumber: 'D301' });
    const list = await api('GET', '/found-items', await tokenOf('trainer'));
    expect(list.status).toBe(200);
    expect((list.body['foundItems'] as Array<{ id: number }>).map((i) => i.id)).toEqual([res.body['id'], older]);
  });

  it('lists one train, or the finds between two dates', async () => {
    const [a, b, c] = [await found({ foundOn: '2026-11-20' }), await found({ foundOn: '2026-11-22', trainNumber: 'D301' }), await found({ foundOn: '2026-11-24' })];
    const token = await tokenOf('agent');
    const ids = async (query: string) => ((await api('GET', `/found-items?${query}`, token)).body['foundItems'] as Array<{ id: number }>).map((i) => i.id);
    expect(await ids('train=g1234')).toEqual([c, a]);
    expect(await ids('from=2026-11-21&to=2026-11-24')).toEqual([c, b]);
    expect(await ids('train=G1234&from=2026-11-21')).toEqual([c]);
  });

  it.each([
    ['no train number', { trainNumber: undefined }, 'trainNumber', /^trainNumber is required$/],
    ['a train number that is none', { trainNumber: 'Shanghai' }, 'trainNumber', /^trainNumber must be a train number such as G1234 or 1234$/],
    ['no date found', { foundOn: undefined }, 'foundOn', /^foundOn is required$/],
    ['a date that is not one', { foundOn: '23/11/2026' }, 'foundOn', /^foundOn must be a date such as 2026-03-12$/],
    ['a date after today', { foundOn: '2026-11-26' }, 'foundOn', /^foundOn must not be after today \(2026-11-25\)$/],
    ['a car of five characters', { car: '12345' }, 'car', /^car must be at most 4 characters$/],
    ['a seat that is a number', { seat: 12 }, 'seat', /^seat must be text$/],
    ['no kind', { kind: undefined }, 'kind', /^kind is required$/],
    ['a blank kind', { kind: '   ' }, 'kind', /^kind must say what the item is/],
    ['a blank description', { description: ' ' }, 'description', /^description must describe the item$/],
    ['a description of 1001 characters', { description: 'x'.repeat(1001) }, 'description', /^description must be at most 1000 characters$/],
    ['a description with a NUL', { description: 'bag\u0000' }, 'description', /^description must not contain a NUL character$/],
    ['nowhere it is kept', { keptAt: undefined }, 'keptAt', /^keptAt is required$/],
    ['a field the register does not have', { colour: 'black' }, 'colour', /^colour is not a field of a found item$/],
  ])('refuses %s with 400 naming the field, and records nothing', async (_what, change, field, message) => {
    const res = await api('POST', '/found-items', await tokenOf('agent'), { ...FOUND, ...change });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ field });
    expect(res.body['error']).toMatch(message);
    expect((await api('GET', '/found-items', await tokenOf('agent'))).body['foundItems']).toEqual([]);
  });

  it('refuses a body that is not an object, and a list query that makes no sense, naming what is wrong', async () => {
    const token = await tokenOf('agent');
    expect(await api('POST', '/found-items', token, [FOUND])).toMatchObject({ status: 400, body: { error: 'body must be a JSON object' } });
    expect(await api('GET', '/found-items?from=2026-11-24&to=2026-11-20', token)).toMatchObject({ status: 400, body: { field: 'to', error: 'to must not be before from' } });
    expect(await api('GET', '/found-items?train=Beijing', token)).toMatchObject({ status: 400, body: { field: 'train' } });
    expect(await api('GET', '/found-items?colour=black', token)).toMatchObject({ status: 400, body: { field: 'colour' } });
  });
});

describe("a lost-item case's candidates", () => {
  it('are the unmatched finds from its train, the day before to the day after its travel date; the most alike first', async () => {
    const lost = await lostItemCase();
    const alike = await found({ description: 'black laptop backpack, Lenovo, red tag' });
    const dayBefore = await found({ foundOn: '2026-11-22', description: 'black backpack with a laptop inside' });
    const unlike = await found({ foundOn: '2026-11-24', kind: 'umbrella', description: 'blue folding umbrella' });
    await found({ trainNumber: 'G5678', description: 'black Lenovo laptop backpack with a red luggage tag' });
    await found({ foundOn: '2026-11-20', description: 'black Lenovo laptop backpack with a red luggage tag' });

    const res = await api('GET', `/cases/${lost.reference}/candidates`, await tokenOf('trainer'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ reference: lost.reference, trainNumber: 'G1234', travelDate: '2026-11-23' });
    const listed = res.body['candidates'] as Array<{ id: number; score: number; descriptionScore: number; kindScore: number; keptAt: string }>;
    expect(listed.map((c) => c.id).sort()).toEqual([alike, dayBefore, unlike].sort());
    expect(listed.at(-1)!.id).toBe(unlike);
    expect(listed[0]!.score).toBeGreaterThan(listed.at(-1)!.score);
    expect(listed[0]).toMatchObject({ kindScore: 1, keptAt: FOUND.keptAt });
  });

  it('are compared in Chinese as well as in English', async () => {
    const lost = await lostItemCase({ details: { itemKind: '背包', itemDescription: '黑色双肩包，里面有联想笔记本电脑和充电器' } });
    const thermos = await found({ kind: '保温杯', description: '白色保温杯，杯盖上有划痕' });
    const backpack = await found({ kind: '背包', description: '黑色双肩包，内有联想笔记本电脑' });
    expect(await candidateIds(lost.reference)).toEqual([backpack, thermos]);
  });

  it('weigh the kind of item too: of two finds described alike, the one of the kind lost comes first', async () => {
    const lost = await lostItemCase({ category: 'wallet', details: { itemKind: 'wallet', itemDescription: 'brown leather, found under seat 12F' } });
    const phone = await found({ kind: 'phone', description: 'brown leather, found under seat 12F' });
    const wallet = await found({ kind: 'wallet', description: 'brown leather, found under seat 12F' });
    expect(await candidateIds(lost.reference)).toEqual([wallet, phone]);
  });

  it('without a description of its own, use the case text and its category', async () => {
    const lost = await lostItemCase({ category: 'electronics', details: {}, description: 'silver Huawei phone in a green case' });
    const bag = await found({ kind: 'bag', description: 'black backpack' });
    const phone = await found({ kind: 'phone', description: 'silver Huawei phone, green case' });
    expect(await candidateIds(lost.reference)).toEqual([phone, bag]);
  });

  it('know a train by its digits alone, as the IVR gathers it on the keypad', async () => {
    const lettered = await found({});
    const digitsOnly = await found({ trainNumber: '1234' });
    await found({ trainNumber: 'G12345' });
    expect((await candidateIds((await lostItemCase({ trainNumber: '1234' })).reference)).sort()).toEqual([lettered, digitsOnly].sort());
    expect((await candidateIds((await lostItemCase({ trainNumber: 'G1234' })).reference)).sort()).toEqual([lettered, digitsOnly].sort());
    expect((await candidateIds((await lostItemCase({ trainNumber: 'D1234' })).reference))).toEqual([digitsOnly]);
  });

  it('are none, with the reason, while the case has no train number or travel date', async () => {
    await found({});
    const lost = await lostItemCase({ travelDate: null });
    const res = await api('GET', `/cases/${lost.reference}/candidates`, await tokenOf('agent'));
    expect(res).toMatchObject({ status: 200, body: { candidates: [], unsearchable: expect.stringMatching(/train number and travel date/) } });
  });

  it('are asked only of a lost-item case (409), and of a case there is (404)', async () => {
    const complaint = await api('POST', '/cases', await tokenOf('agent'), { type: 'complaint', category: 'cleanliness', trainNumber: 'G1234', travelDate: '2026-11-23' });
    const token = await tokenOf('agent');
    expect(await api('GET', `/cases/${complaint.body['case'].reference}/candidates`, token)).toMatchObject({ status: 409, body: { field: 'type' } });
    expect(await api('GET', '/cases/L2345678/candidates', token)).toMatchObject({ status: 404, body: { field: 'reference' } });
  });
});

describe('a match', () => {
  it("is recorded on both sides: the item names the case, and the case's timeline says what was found and where it is kept", async () => {
    const lost = await lostItemCase();
    const item = await found({});
    const changed: string[] = [];
    const listen = (e: { reference: string }) => changed.push(e.reference);
    h().bus.on('case-changed', listen);
    const res = await api('POST', `/cases/${lost.reference.toLowerCase()}/match`, await tokenOf('agent'), { foundItemId: item, version: lost.version });
    h().bus.off('case-changed', listen);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body['foundItem']).toMatchObject({ id: item, caseId: lost.id, caseReference: lost.reference });
    expect(res.body['case']).toMatchObject({ reference: lost.reference, version: lost.version + 1 });
    expect(changed).toEqual([lost.reference]);

    const record = await api('GET', `/cases/${lost.reference}`, await tokenOf('trainer'));
    const matched = (record.body['timeline'] as Array<{ type: string; source: string; data: Record<string, unknown> }>).filter((e) => e.type === 'matched');
    expect(matched).toEqual([
      expect.objectContaining({ source: 'api', data: { foundItemId: item, trainNumber: 'G1234', foundOn: '2026-11-23', car: '05', seat: '12F', kind: 'backpack', description: FOUND.description, keptAt: FOUND.keptAt } }),
    ]);
    const register = await api('GET', '/found-items?train=G1234', await tokenOf('agent'));
    expect(register.body['foundItems']).toEqual([expect.objectContaining({ id: item, caseId: lost.id, caseReference: lost.reference })]);
    // Matched, it is nobody else's candidate.
    expect(await candidateIds((await lostItemCase()).reference)).toEqual([]);
  });

  it('of an item matched already is refused (409), to another case or the same one, and changes nothing', async () => {
    const [first, second] = [await lostItemCase(), await lostItemCase()];
    const item = await found({});
    const token = await tokenOf('agent');
    expect((await api('POST', `/cases/${first.reference}/match`, token, { foundItemId: item })).status).toBe(200);
    for (const c of [second, first]) {
      const again = await api('POST', `/cases/${c.reference}/match`, token, { foundItemId: item });
      expect(again).toMatchObject({ status: 409, body: { field: 'foundItemId', error: `found item ${item} is matched already, to case ${first.reference}` } });
    }
    const events = async (reference: string) => ((await api('GET', `/cases/${reference}`, token)).body['timeline'] as Array<{ type: string }>).filter((e) => e.type === 'matched').length;
    expect([await events(first.reference), await events(second.reference)]).toEqual([1, 0]);
  });

  it('raced by two agents for two cases goes to exactly one of them', async () => {
    const [first, second] = [await lostItemCase(), await lostItemCase()];
    const item = await found({});
    const token = await tokenOf('agent');
    const answers = await Promise.all([first, second].map((c) => api('POST', `/cases/${c.reference}/match`, token, { foundItemId: item })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
  });

  it('is refused for a case that is not a lost-item case, a closed case, a stale version, an unknown item or case', async () => {
    const token = await tokenOf('agent');
    const item = await found({});
    const complaint = (await api('POST', '/cases', token, { type: 'complaint', category: 'cleanliness' })).body['case'];
    expect(await api('POST', `/cases/${complaint.reference}/match`, token, { foundItemId: item })).toMatchObject({ status: 409, body: { field: 'type' } });
    const lost = await lostItemCase();
    expect(await api('POST', `/cases/${lost.reference}/match`, token, { foundItemId: item, version: lost.version + 3 })).toMatchObject({ status: 409, body: { field: 'version' } });
    expect(await api('POST', `/cases/${lost.reference}/match`, token, { foundItemId: item + 100 })).toMatchObject({ status: 404, body: { field: 'foundItemId' } });
    expect(await api('POST', '/cases/L2345678/match', token, { foundItemId: item })).toMatchObject({ status: 404, body: { field: 'reference' } });
    await api('POST', `/cases/${lost.reference}/resolve`, token, { reason: 'item-not-found', answer: 'Nothing was handed in.' });
    await api('POST', `/cases/${lost.reference}/close`, token, {});
    expect(await api('POST', `/cases/${lost.reference}/match`, token, { foundItemId: item })).toMatchObject({ status: 409, body: { field: 'status' } });
  });

  it.each([
    ['no item', {}, 'foundItemId', /^foundItemId is required$/],
    ['an item id that is text', { foundItemId: '7' }, 'foundItemId', /^foundItemId must be the id of a found item$/],
    ['an item id of 0', { foundItemId: 0 }, 'foundItemId', /^foundItemId must be the id of a found item$/],
    ['a field a match does not have', { foundItemId: 1, note: 'hi' }, 'note', /^note is not a field of a match$/],
  ])('with %s is refused with 400 naming the field', async (_what, body, field, message) => {
    const lost = await lostItemCase();
    const res = await api('POST', `/cases/${lost.reference}/match`, await tokenOf('agent'), body);
    expect(res).toMatchObject({ status: 400, body: { field } });
    expect(res.body['error']).toMatch(message);
  });
});

describe('who may', () => {
  it('record finds and match them: agents, supervisors and managers; trainers read the register and candidates only', async () => {
    const lost = await lostItemCase();
    for (const role of ['agent', 'supervisor', 'manager'] as const) await found({ description: `found by the ${role}` }, await tokenOf(role));
    const trainer = await tokenOf('trainer');
    expect(await api('POST', '/found-items', trainer, FOUND)).toMatchObject({ status: 403, body: { error: expect.stringMatching(/^only agent or supervisor or manager/) } });
    const item = await found({});
    expect((await api('POST', `/cases/${lost.reference}/match`, trainer, { foundItemId: item })).status).toBe(403);
    expect((await api('GET', '/found-items', trainer)).status).toBe(200);
    expect((await api('GET', `/cases/${lost.reference}/candidates`, trainer)).status).toBe(200);
    expect((await api('POST', `/cases/${lost.reference}/match`, await tokenOf('supervisor'), { foundItemId: item })).status).toBe(200);
  });

  it('nobody without a login', async () => {
    const lost = await lostItemCase();
    expect((await api('POST', '/found-items', undefined, FOUND)).status).toBe(401);
    expect((await api('GET', '/found-items', undefined)).status).toBe(401);
    expect((await api('GET', `/cases/${lost.reference}/candidates`, undefined)).status).toBe(401);
    expect((await api('POST', `/cases/${lost.reference}/match`, undefined, { foundItemId: 1 })).status).toBe(401);
  });
});
