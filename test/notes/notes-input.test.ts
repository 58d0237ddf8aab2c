import { describe, expect, it } from 'vitest';
import { callNotes } from '../../db/schema.ts';
import { hotlinePerFile } from '../support/running.ts';
import { onTheFloor } from './on-a-call.ts';

/**
 * Saves the database could not hold are refused naming the field, over the socket and over HTTP alike, and
 * leave the notes as they were: the agent's next ordinary save still goes in.
 */

const running = hotlinePerFile();
const floor = onTheFloor(running);
const { h, ask, api } = floor;

type Ack = { ok: true; version: number; savedAt: string } | { ok: false; error: string; field?: string };

const storedNotes = () => h().database.db.select().from(callNotes);
const TOO_BIG = 2_147_483_648;

describe('a notes version beyond what the database holds', () => {
  it('over the socket is refused naming version, and the next save succeeds', async () => {
    const { socket, call } = await floor.onCall('1001');
    expect(await ask<Ack>(socket, 'notes', { callSid: call.sid, version: TOO_BIG, text: 'typed fast' })).toEqual({
      ok: false,
      field: 'version',
      error: 'version must be a whole number from 1 to 2147483647',
    });
    expect(await ask<Ack>(socket, 'notes', { callSid: call.sid, version: 1, text: 'refund for G1234' })).toMatchObject({ ok: true, version: 1 });
    expect(await ask<Ack>(socket, 'notes', { callSid: call.sid, version: 2_147_483_647, text: 'the last' })).toMatchObject({ ok: true, version: 2_147_483_647 });
    expect(await storedNotes()).toEqual([expect.objectContaining({ version: 2_147_483_647, text: 'the last' })]);
  });

  it('over HTTP is refused with 400 naming version, and the next save succeeds', async () => {
    const { token, call } = await floor.onCall('1001');
    expect(await api('PUT', `/calls/${call.sid}/notes`, token, { version: TOO_BIG })).toEqual({
      status: 400,
      body: { error: 'version must be a whole number from 1 to 2147483647', field: 'version' },
    });
    expect(await api('PUT', `/calls/${call.sid}/notes`, token, { version: 1, text: 'refund for G1234' })).toMatchObject({ status: 200, body: { ok: true, version: 1 } });
    expect(await storedNotes()).toEqual([expect.objectContaining({ version: 1, text: 'refund for G1234' })]);
  });
});

describe('text the database cannot store', () => {
  it.each([
    ['a NUL', 'passengerName', '王\u0000芳', 'must not contain a NUL character'],
    ['a lone surrogate', 'text', 'wants a refund \udc00', 'must not contain a lone surrogate (half of a UTF-16 pair)'],
  ])('with %s is refused naming the field over the socket and over HTTP, and nothing is stored', async (_what, field, value, why) => {
    const { socket, token, call } = await floor.onCall('1001');
    expect(await ask<Ack>(socket, 'notes', { callSid: call.sid, version: 1, [field]: value })).toEqual({ ok: false, field, error: `${field} ${why}` });
    expect(await api('PUT', `/calls/${call.sid}/notes`, token, { version: 1, [field]: value })).toEqual({ status: 400, body: { error: `${field} ${why}`, field } });
    expect(await storedNotes()).toEqual([]);
  });

  it('in the callSid is refused naming callSid', async () => {
    const { socket } = await floor.onCall('1001');
    expect(await ask<Ack>(socket, 'notes', { callSid: 'CA\u0000', version: 1 })).toEqual({ ok: false, field: 'callSid', error: 'callSid must not contain a NUL character' });
  });
});
