import { describe, expect, it } from 'vitest';
import { NO_SUCH_CASE, PUBLIC_LIMITS } from '../../src/cases/online.ts';
import { call, deskStaff } from '../support/cases.ts';
import { hotlinePerFile, runningHotline } from '../support/running.ts';

/**
 * The passengers' own way in, without an account: POST /api/public/cases files a complaint, a lost-item report
 * or a luggage claim; POST /api/public/cases/status looks one up by its reference and the phone number given.
 * The hotline sits behind a proxy on this machine (TRUST_PROXY=loopback), so each spec can speak from client
 * addresses of its own: every request is counted per address. The clock stands on Wednesday 2026-11-25 at 12:00
 * in Shanghai, the office's lunch break.
 */

const running = hotlinePerFile({ env: { TRUST_PROXY: 'loopback' } });

let addresses = 0;
/** A client address no other request has used. */
const newAddress = () => {
  addresses++;
  return `10.${(addresses >> 16) & 255}.${(addresses >> 8) & 255}.${addresses & 255}`;
};

type Answer = { status: number; body: any; headers: Headers }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A POST to the public API from `address` (a fresh one unless given), as JSON unless `raw` says otherwise. */
async function post(path: string, body: unknown, options: { address?: string; raw?: { type: string; text: string }; url?: string } = {}): Promise<Answer> {
  const res = await fetch(`${options.url ?? running().url}/api/public${path}`, {
    method: 'POST',
    headers: { 'content-type': options.raw?.type ?? 'application/json', 'x-forwarded-for': options.address ?? newAddress() },
    body: options.raw?.text ?? JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => undefined), headers: res.headers };
}
const file = (body: unknown, options?: Parameters<typeof post>[2]) => post('/cases', body, options);
const lookUp = (body: unknown, options?: Parameters<typeof post>[2]) => post('/cases/status', body, options);

const passenger = { passengerName: '王小明', contactNumber: '+86 138 0013 8000', trainNumber: 'G1234', travelDate: '2026-11-24', car: '5', seat: '12F', language: 'en-US' };
const complaint = { type: 'complaint', ...passenger, category: 'staff-attitude', description: 'The conductor was rude to my mother.' };
const lostItem = { type: 'lost-item', ...passenger, details: { itemKind: 'bag', itemDescription: 'A black backpack with a red tag' }, description: 'Left on the rack above seat 12F.' };
const luggageClaim = { type: 'luggage-claim', ...passenger, category: 'damaged', details: { tagNumber: 'BJ-2026-88812', claimedAmount: 860.5 }, description: 'The suitcase came back with a broken wheel.' };

/** A case as the staff's API shows it, read by a supervisor (of `people`, else of a desk made for it). */
async function staffView(reference: string, desk?: Awaited<ReturnType<typeof deskStaff>>) {
  const people = desk ?? (await deskStaff(running().hotline, running().url));
  const read = await call(running().url, people.supervisor.token, 'GET', `/api/cases/${reference}`);
  expect(read.status).toBe(200);
  return { record: read.body, people };
}

describe('filing a case online', () => {
  it('files a complaint: the reference to keep, when it will be acknowledged, and when it will be answered', async () => {
    const filed = await file(complaint);
    expect(filed.status).toBe(201);
    expect(filed.body).toEqual({
      reference: expect.stringMatching(/^C[2-9A-HJKMNP-TW-Z]{6}$/),
      type: 'complaint',
      // One working day from the lunch break: Thursday 13:00 in Shanghai.
      acknowledgeBy: '2026-11-26T05:00:00.000Z',
      // A month, in calendar time.
      dueAt: '2026-12-25T04:00:00.000Z',
    });
    expect(filed.headers.get('cache-control')).toBe('no-store');
  });

  it('files a lost-item report, the kind of item being its category', async () => {
    const filed = await file(lostItem);
    expect(filed.status).toBe(201);
    // Four working hours from 13:00: 17:00 in Shanghai.
    expect(filed.body).toEqual({ reference: expect.stringMatching(/^L/), type: 'lost-item', acknowledgeBy: '2026-11-25T09:00:00.000Z', dueAt: '2026-12-25T04:00:00.000Z' });
    const { record } = await staffView(filed.body.reference);
    expect(record.case).toMatchObject({ category: 'bag', details: lostItem.details, ownerDepartment: 'lost-and-found' });
  });

  it('files a luggage claim with its tag number and the amount claimed', async () => {
    const filed = await file(luggageClaim);
    expect(filed.status).toBe(201);
    expect(filed.body).toEqual({ reference: expect.stringMatching(/^B/), type: 'luggage-claim', acknowledgeBy: '2026-11-26T05:00:00.000Z', dueAt: '2026-12-25T04:00:00.000Z' });
    const { record } = await staffView(filed.body.reference);
    expect(record.case).toMatchObject({ category: 'damaged', details: luggageClaim.details, ownerDepartment: 'luggage-office' });
  });

  it('makes a case on the online channel, owned by its type’s department with a supervisor answering for it, its clocks running and its timeline begun by the passenger', async () => {
    const people = await deskStaff(running().hotline, running().url);
    const filed = await file(complaint);
    const { record } = await staffView(filed.body.reference, people);
    expect(record.case).toMatchObject({
      type: 'complaint',
      status: 'new',
      channel: 'online',
      priority: 'normal',
      ownerStaffId: null,
      ownerDepartment: running().hotline.cases.types.complaint.owner,
      supervisorId: people.supervisor.id,
      createdBy: null,
      passengerName: '王小明',
      contactNumber: '+86 138 0013 8000',
      language: 'en-US',
      trainNumber: 'G1234',
      travelDate: '2026-11-24',
      car: '5',
      seat: '12F',
      category: 'staff-attitude',
      description: complaint.description,
    });
    expect(record.clocks.map((c: { kind: string; stage: number; metAt: string | null; paused: boolean }) => [c.kind, c.stage, c.metAt, c.paused]).sort()).toEqual([
      ['acknowledge', 0, null, false],
      ['first-reply', 0, null, false],
      ['resolve', 0, null, false],
    ]);
    expect(record.timeline).toEqual([
      expect.objectContaining({ type: 'created', actorId: null, source: 'online', data: expect.objectContaining({ reference: filed.body.reference, channel: 'online', ownerDepartment: 'station' }) }),
    ]);
  });

  it('stores what the passenger typed exactly as typed, and the staff’s API gives it back so', async () => {
    const script = '<script>alert(1)</script> & <img src=x onerror="alert(2)">';
    const filed = await file({ ...complaint, passengerName: '<b>王</b>', description: script });
    expect(filed.status).toBe(201);
    const { record } = await staffView(filed.body.reference);
    expect(record.case.description).toBe(script);
    expect(record.case.passengerName).toBe('<b>王</b>');
    expect(record.timeline[0].data.description).toBe(script);
  });

  it('takes a description of the greatest length allowed in Chinese (4000 characters of 3 bytes each)', async () => {
    const filed = await file({ ...complaint, passengerName: '王'.repeat(100), description: '漢'.repeat(4000) });
    expect(filed.status).toBe(201);
  });

  it('refuses bad input with 400 naming the field, and files nothing', async () => {
    const { details: _complaintHasNone, ...noDetails } = { ...complaint, details: undefined };
    const { category: _c, ...uncategorised } = complaint;
    const { passengerName: _n, ...nameless } = complaint;
    const { contactNumber: _p, ...numberless } = complaint;
    const { description: _d, ...undescribed } = complaint;
    const refused: Array<[object, string]> = [
      [{ ...complaint, type: 'callback' }, 'type'],
      [{ ...complaint, type: 'praise' }, 'type'],
      [nameless, 'passengerName'],
      [{ ...complaint, passengerName: '   ' }, 'passengerName'],
      [{ ...complaint, passengerName: 'x'.repeat(101) }, 'passengerName'],
      [{ ...complaint, passengerName: 'Wang\u0000' }, 'passengerName'],
      [numberless, 'contactNumber'],
      [{ ...complaint, contactNumber: 'call me' }, 'contactNumber'],
      [{ ...complaint, contactNumber: '12345' }, 'contactNumber'],
      [{ ...complaint, language: 'fr-FR' }, 'language'],
      [{ ...complaint, trainNumber: 'the fast one' }, 'trainNumber'],
      [{ ...complaint, travelDate: '24/11/2026' }, 'travelDate'],
      [{ ...complaint, car: '12345' }, 'car'],
      [{ ...complaint, seat: '1234567' }, 'seat'],
      [uncategorised, 'category'],
      [{ ...complaint, category: 'lost-property' }, 'category'],
      [{ ...complaint, category: 7 }, 'category'],
      [undescribed, 'description'],
      [{ ...complaint, description: '' }, 'description'],
      [{ ...complaint, description: 'x'.repeat(4001) }, 'description'],
      [{ ...noDetails, details: { tagNumber: 'BJ-1' } }, 'details.tagNumber'],
      [{ ...lostItem, details: { itemDescription: 'A black backpack' } }, 'details.itemKind'],
      [{ ...lostItem, details: { itemKind: 'bag' } }, 'details.itemDescription'],
      [{ ...lostItem, details: { ...lostItem.details, itemKind: 'x'.repeat(61) } }, 'details.itemKind'],
      [{ ...lostItem, details: { ...lostItem.details, claimedAmount: 5 } }, 'details.claimedAmount'],
      [{ ...luggageClaim, details: { claimedAmount: 100 } }, 'details.tagNumber'],
      [{ ...luggageClaim, details: { tagNumber: 'BJ-1' } }, 'details.claimedAmount'],
      [{ ...luggageClaim, details: { tagNumber: 'BJ-1', claimedAmount: -5 } }, 'details.claimedAmount'],
      [{ ...luggageClaim, details: { tagNumber: 'BJ-1', claimedAmount: 'lots' } }, 'details.claimedAmount'],
      [{ ...luggageClaim, details: { tagNumber: 'BJ-1', claimedAmount: 10.005 } }, 'details.claimedAmount'],
      [{ ...luggageClaim, details: { ...luggageClaim.details, colour: 'red' } }, 'details.colour'],
      [{ ...luggageClaim, category: 'stolen' }, 'category'],
      [[complaint], 'body'],
    ];
    for (const [body, field] of refused) {
      const answer = await file(body);
      expect({ field, status: answer.status, named: answer.body?.field }).toEqual({ field, status: 400, named: field });
      expect(answer.body.error).toMatch(new RegExp(`^${field.replace('.', '\\.')} `));
    }
    await expectNoCases();
  });

  it('refuses the fields a passenger may not set, naming each', async () => {
    for (const [field, value] of Object.entries({ priority: 'urgent', channel: 'phone', ownerDepartment: 'station', ownerStaffId: 1, supervisorId: 1, callSid: 'CA1', dueAt: '2026-11-26T12:00:00+08:00', status: 'closed', reference: 'CAAAAAA', colour: 'red' })) {
      const answer = await file({ ...complaint, [field]: value });
      expect({ field, status: answer.status, body: answer.body }).toEqual({ field, status: 400, body: { error: `${field} is not a field of the public form`, field } });
    }
    await expectNoCases();
  });

  it('refuses a body that is not JSON, and one that does not parse, naming the body', async () => {
    const plain = await file(undefined, { raw: { type: 'text/plain', text: JSON.stringify(complaint) } });
    expect(plain).toMatchObject({ status: 400, body: { field: 'body', error: 'body must be a JSON object, sent with Content-Type: application/json' } });
    const broken = await file(undefined, { raw: { type: 'application/json', text: '{"type": "complaint",' } });
    expect(broken).toMatchObject({ status: 400, body: { field: 'body', error: 'body must be a JSON object' } });
    await expectNoCases();
  });

  it('refuses a body over 16 kB with 413, before it is read', async () => {
    const answer = await file({ ...complaint, description: 'x'.repeat(16 * 1024) });
    expect(answer).toMatchObject({ status: 413, body: { field: 'body', error: 'body must be at most 16 kB: shorten the description' } });
    await expectNoCases();
  });
});

describe('looking up a case', () => {
  it('answers the reference and the phone number given with its status, due date and the answer given, and nothing else', async () => {
    const { reference } = (await file(complaint)).body;
    const found = await lookUp({ reference, phone: '+86 138 0013 8000' });
    expect(found).toMatchObject({ status: 200, body: { reference, type: 'complaint', status: 'new', dueAt: '2026-12-25T04:00:00.000Z', answer: null } });
    expect(Object.keys(found.body).sort()).toEqual(['answer', 'dueAt', 'reference', 'status', 'type']);
    expect(found.headers.get('cache-control')).toBe('no-store');

    // The reference as a person reads it out, and the number as written elsewhere.
    const spoken = `${reference.slice(0, 4).toLowerCase()}-${reference.slice(4)}`;
    expect(await lookUp({ reference: spoken, phone: '13800138000' })).toMatchObject({ status: 200, body: { reference } });
  });

  it('gives back the answer the passenger was given, exactly as written', async () => {
    const { reference } = (await file(complaint)).body;
    const { people } = await staffView(reference);
    const answer = 'We are sorry. <script>alert(1)</script> The conductor has apologised.';
    const resolved = await call(running().url, people.supervisor.token, 'POST', `/api/cases/${reference}/resolve`, { reason: 'answered', answer });
    expect(resolved.status).toBe(200);
    expect(await lookUp({ reference, phone: '13800138000' })).toMatchObject({ status: 200, body: { status: 'resolved', answer } });
  });

  it('answers a wrong phone number exactly as a reference nobody has: one 404, the same body and headers', async () => {
    const { reference } = (await file(complaint)).body;
    const unknown = reference.slice(0, -1) + (reference.endsWith('Z') ? 'Y' : 'Z');
    const wrongPhone = await lookUp({ reference, phone: '+86 139 0000 0000' });
    const nobody = await lookUp({ reference: unknown, phone: '+86 138 0013 8000' });
    expect(wrongPhone.status).toBe(404);
    expect(wrongPhone.body).toEqual({ error: NO_SUCH_CASE });
    expect(nobody.status).toBe(wrongPhone.status);
    expect(nobody.body).toEqual(wrongPhone.body);
    const headers = (a: Answer) => [...a.headers].filter(([name]) => name !== 'date');
    expect(headers(nobody)).toEqual(headers(wrongPhone));
  });

  it('does not match a case that has no phone number to anybody’s', async () => {
    const people = await deskStaff(running().hotline, running().url);
    const made = await call(running().url, people.agent.token, 'POST', '/api/cases', { type: 'enquiry', description: 'Asked about group tickets' });
    expect(made.status).toBe(201);
    expect(await lookUp({ reference: made.body.case.reference, phone: '0000000' })).toMatchObject({ status: 404, body: { error: NO_SUCH_CASE } });
  });

  it('refuses a malformed lookup with 400 naming the field', async () => {
    const refused: Array<[object, string]> = [
      [{ phone: '13800138000' }, 'reference'],
      [{ reference: 'hello', phone: '13800138000' }, 'reference'],
      [{ reference: 'C0O1IL0', phone: '13800138000' }, 'reference'],
      [{ reference: 'CAAAAAA' }, 'phone'],
      [{ reference: 'CAAAAAA', phone: 'me' }, 'phone'],
      [{ reference: 'CAAAAAA', phone: '13800138000', name: 'Wang' }, 'name'],
    ];
    for (const [body, field] of refused) {
      const answer = await lookUp(body);
      expect({ field, status: answer.status, named: answer.body?.field }).toEqual({ field, status: 400, named: field });
    }
  });
});

describe('limits per client address', () => {
  it(`lets one address file ${PUBLIC_LIMITS.filing.points} cases an hour, then answers 429 with when to try again; other addresses file on`, async () => {
    const address = newAddress();
    for (let i = 0; i < PUBLIC_LIMITS.filing.points; i++) expect((await file(complaint, { address })).status).toBe(201);
    const refused = await file(complaint, { address });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(PUBLIC_LIMITS.filing.duration - 60);
    expect(refused.body).toEqual({ error: 'too many cases filed from your address: wait 60 minutes and try again' });
    expect((await file(complaint)).status).toBe(201);
  });

  it('counts bad and oversize requests too, so a flood of junk is refused before it is read', async () => {
    const address = newAddress();
    for (let i = 0; i < PUBLIC_LIMITS.filing.points; i++) {
      expect((await file(i % 2 ? { junk: true } : { ...complaint, description: 'x'.repeat(20_000) }, { address })).status).toBeOneOf([400, 413]);
    }
    expect((await file(complaint, { address })).status).toBe(429);
  });

  it(`lets one address look up ${PUBLIC_LIMITS.lookup.points} times in 10 minutes, found or not, then answers 429`, async () => {
    const { reference } = (await file(complaint)).body;
    const address = newAddress();
    for (let i = 0; i < PUBLIC_LIMITS.lookup.points; i++) {
      const phone = i % 2 ? '13800138000' : `1390000${String(i).padStart(4, '0')}`;
      expect((await lookUp({ reference, phone }, { address })).status).toBe(i % 2 ? 200 : 404);
    }
    const refused = await lookUp({ reference, phone: '13800138000' }, { address });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(PUBLIC_LIMITS.lookup.duration - 60);
    expect(refused.body).toEqual({ error: 'too many status lookups from your address: wait 10 minutes and try again' });
    // Filing is counted apart from looking up.
    expect((await file(complaint, { address })).status).toBe(201);
    expect((await lookUp({ reference, phone: '13800138000' })).status).toBe(200);
  });

  it(`lets one reference be looked up ${PUBLIC_LIMITS.reference.points} times an hour from any addresses, right pair or not, then answers 429 for it alone`, async () => {
    const { reference } = (await file(complaint)).body;
    for (let i = 0; i < PUBLIC_LIMITS.reference.points; i++) {
      const phone = i % 2 ? '13800138000' : `1390000${String(i).padStart(4, '0')}`;
      expect((await lookUp({ reference, phone }, { address: newAddress() })).status).toBe(i % 2 ? 200 : 404);
    }
    const refused = await lookUp({ reference, phone: '13800138000' }, { address: newAddress() });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: 'this reference has been looked up too often: wait 60 minutes and try again' });
    // Another case's passenger is not kept waiting for it.
    const other = (await file(complaint)).body.reference;
    expect((await lookUp({ reference: other, phone: '13800138000' }, { address: newAddress() })).status).toBe(200);
  });

  it('counts the addresses of one IPv6 /64 as one client', async () => {
    for (let i = 0; i < PUBLIC_LIMITS.filing.points; i++) expect((await file(complaint, { address: `2001:db8:5:1::${(i + 1).toString(16)}` })).status).toBe(201);
    expect((await file(complaint, { address: '2001:db8:5:1:ffff::1' })).status).toBe(429);
    expect((await file(complaint, { address: '2001:db8:5:2::1' })).status).toBe(201);
  });

  it.runIf(!!process.env.DATABASE_URL)('on PostgreSQL, keeps the count in the database, shared by every hotline process', async () => {
    const second = await runningHotline({ database: running().database, env: { TRUST_PROXY: 'loopback' } });
    try {
      const address = newAddress();
      for (let i = 0; i < PUBLIC_LIMITS.filing.points; i++) {
        expect((await file(complaint, { address, url: i % 2 ? second.url : running().url })).status).toBe(201);
      }
      expect((await file(complaint, { address, url: second.url })).status).toBe(429);
      expect((await file(complaint, { address })).status).toBe(429);
    } finally {
      await second.close();
    }
  });
});

async function expectNoCases(): Promise<void> {
  const people = await deskStaff(running().hotline, running().url);
  expect((await call(running().url, people.supervisor.token, 'GET', '/api/cases')).body.total).toBe(0);
}
