import { and, eq } from 'drizzle-orm';
import type { Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { caseEvents, cases } from '../../db/schema.ts';
import { sweep } from '../../src/acd/deadlines.ts';
import { openDatabase } from '../../src/database.ts';
import type { Hotline } from '../../src/hotline.ts';
import { sweepCases, type CaseAlert } from '../../src/cases/sweep.ts';
import { call, deskStaff } from '../support/cases.ts';
import { OPEN } from '../support/flows.ts';
import { hotlinePerFile, runningHotline } from '../support/running.ts';
import { socketsPerSpec } from '../support/sockets.ts';

/**
 * Reply commitments kept by rows: before the breach the owner is reminded, at the breach the supervisor hears
 * of it, at the second threshold the managers; live on their sockets, once each, in working hours only, and
 * whichever process sweeps (after a restart too). The clock starts on Wednesday 2026-11-25 at 12:00 in
 * Shanghai; an urgent complaint is acknowledged within 2 working hours, so one filed in the lunch break is
 * due at 15:00 (the office opens again at 13:00), its reminder at 14:30 and the managers' threshold at 16:00.
 */

const running = hotlinePerFile({ env: { SESSION_HOURS: '2000' } });
const open = socketsPerSpec();
const at = (local: string) => new Date(`${local}+08:00`);

async function urgentComplaint(people: Awaited<ReturnType<typeof deskStaff>>) {
  const made = await call(running().url, people.agent.token, 'POST', '/api/cases', { type: 'complaint', priority: 'urgent', category: 'delay', contactNumber: '13800138000' });
  expect(made.status).toBe(201);
  return made.body.case.reference as string;
}

/** What each socket heard, as [who, level] pairs. */
function listenFor(sockets: Record<string, Socket>) {
  const heard: Array<[string, CaseAlert['level'], string]> = [];
  for (const [who, s] of Object.entries(sockets)) s.on('case-alert', (a: CaseAlert) => heard.push([who, a.level, a.reference]));
  return heard;
}

const timelineOf = async (h: Hotline, reference: string) =>
  h.database.db
    .select({ type: caseEvents.type, source: caseEvents.source, data: caseEvents.data })
    .from(caseEvents)
    .innerJoin(cases, eq(cases.id, caseEvents.caseId))
    .where(and(eq(cases.reference, reference)))
    .orderBy(caseEvents.id);

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`${what} did not happen`);
};

describe('an unacknowledged urgent complaint', () => {
  it('reminds its owner at 75 %, escalates to its supervisor at the breach and to the managers at 150 %, each once, live', async () => {
    const people = await deskStaff(running().hotline, running().url);
    const { url } = running();
    const sockets = {
      agent: await open(url, '/agents', { token: people.agent.token }),
      supervisor: await open(url, '/managers', { token: people.supervisor.token }),
      manager: await open(url, '/managers', { token: people.manager.token }),
    };
    const heard = listenFor(sockets);
    const reference = await urgentComplaint(people);
    const h = running().hotline;

    running().clock.now = at('2026-11-25T14:29:00');
    await sweep(h);
    expect(heard).toEqual([]);

    running().clock.now = at('2026-11-25T14:30:00');
    await sweep(h);
    await until(() => heard.length === 1, 'the reminder');
    expect(heard).toEqual([['agent', 'reminder', reference]]);

    running().clock.now = at('2026-11-25T15:00:00');
    await sweep(h);
    await sweep(h);
    await until(() => heard.length === 3, 'the escalation');
    expect(heard.slice(1).sort()).toEqual([['agent', 'supervisor', reference], ['supervisor', 'supervisor', reference]]);

    running().clock.now = at('2026-11-25T16:00:00');
    await sweep(h);
    await until(() => heard.length === 5, "the managers' escalation");
    expect(heard.slice(3).sort()).toEqual([['manager', 'manager', reference], ['supervisor', 'manager', reference]]);

    const timeline = (await timelineOf(h, reference)).filter((e) => e.source === 'clock');
    expect(timeline.map((e) => [e.type, (e.data as { level: string }).level])).toEqual([['reminded', 'reminder'], ['escalated', 'supervisor'], ['escalated', 'manager']]);
  });

  it('acknowledged in time is never escalated', async () => {
    const people = await deskStaff(running().hotline, running().url);
    const reference = await urgentComplaint(people);
    running().clock.now = at('2026-11-25T14:45:00');
    await sweep(running().hotline); // the reminder
    await call(running().url, people.agent.token, 'POST', `/api/cases/${reference}/acknowledge`, {});
    running().clock.now = at('2026-11-25T17:00:00');
    await sweep(running().hotline);
    expect((await timelineOf(running().hotline, reference)).filter((e) => e.source === 'clock').map((e) => e.type)).toEqual(['reminded']);
  });

  it('waiting on the passenger pauses its clock: the escalation moves by the time paused', async () => {
    const people = await deskStaff(running().hotline, running().url);
    const reference = await urgentComplaint(people);
    // The agent starts on it at 13:00 and asks the passenger for their ticket; it comes back at 15:00.
    running().clock.now = at('2026-11-25T13:00:00');
    await call(running().url, people.agent.token, 'POST', `/api/cases/${reference}/start`, {});
    const first = await call(running().url, people.agent.token, 'GET', `/api/cases/${reference}`);
    const firstReplyDue = first.body.clocks.find((c: { kind: string }) => c.kind === 'first-reply').dueAt;
    await call(running().url, people.agent.token, 'POST', `/api/cases/${reference}/wait`, { on: 'passenger' });
    running().clock.now = at('2026-11-25T15:00:00');
    await sweep(running().hotline);
    const resumed = await call(running().url, people.agent.token, 'POST', `/api/cases/${reference}/resume`, {});
    const moved = resumed.body.clocks.find((c: { kind: string }) => c.kind === 'first-reply').dueAt;
    expect(new Date(moved).getTime() - new Date(firstReplyDue).getTime()).toBe(2 * 3600_000);
    expect((await timelineOf(running().hotline, reference)).some((e) => e.type === 'escalated')).toBe(false);
  });
});

describe('escalations out of hours', () => {
  it('wait for the morning: a callback promised for 22:58 and not kept is not escalated at 03:00 but at 06:00 when the hotline opens', async () => {
    const people = await deskStaff(running().hotline, running().url);
    running().clock.now = at('2026-11-25T22:50:00');
    const made = await call(running().url, people.agent.token, 'POST', '/api/cases', { type: 'callback', contactNumber: '13800138000', dueAt: '2026-11-25T22:58:00+08:00' });
    const reference = made.body.case.reference as string;
    for (const local of ['2026-11-25T23:20:00', '2026-11-26T03:00:00', '2026-11-26T05:59:00']) {
      running().clock.now = at(local);
      await sweep(running().hotline);
      expect((await timelineOf(running().hotline, reference)).filter((e) => e.source === 'clock'), local).toEqual([]);
    }
    running().clock.now = at('2026-11-26T06:00:00');
    await sweep(running().hotline);
    // Every threshold passed in the night: it goes straight to the managers.
    expect((await timelineOf(running().hotline, reference)).filter((e) => e.source === 'clock').map((e) => e.data)).toEqual([
      expect.objectContaining({ clock: 'resolve', level: 'manager', dueAt: '2026-11-25T14:58:00.000Z' }),
    ]);
  });
});

describe('the deadlines are rows', () => {
  it('a hotline started after a restart escalates what fell due while it was down, once', async () => {
    const people = await deskStaff(running().hotline, running().url);
    const reference = await urgentComplaint(people);
    const again = await runningHotline({ database: running().database });
    try {
      again.clock.now = at('2026-11-25T15:30:00');
      await sweep(again.hotline);
      await sweep(again.hotline);
      expect((await timelineOf(again.hotline, reference)).filter((e) => e.source === 'clock').map((e) => e.type)).toEqual(['escalated']);
    } finally {
      await again.close();
    }
  });

  it('two processes sweeping at the same moment escalate each case once', async () => {
    const people = await deskStaff(running().hotline, running().url);
    const references = [];
    for (let i = 0; i < 30; i++) references.push(await urgentComplaint(people));
    const h = running().hotline;
    // On a server the second process has connections of its own; PGlite is one process, so two sweeps race in it.
    const server = h.database.server;
    const other = server ? await openDatabase({ url: server.url, schema: server.schema! }) : h.database;
    try {
      const now = () => at('2026-11-25T15:30:00');
      const second: Hotline = { ...h, database: other, now };
      await Promise.all([sweepCases({ ...h, now }), sweepCases(second), sweepCases({ ...h, now }), sweepCases(second)]);
      const escalations = await h.database.db.select({ caseId: caseEvents.caseId }).from(caseEvents).where(eq(caseEvents.type, 'escalated'));
      expect(escalations).toHaveLength(references.length);
      expect(new Set(escalations.map((e) => e.caseId)).size).toBe(references.length);
    } finally {
      if (other !== h.database) await other.close();
    }
  });
});

it('OPEN is the lunch break on a Wednesday, as these specs assume', () => {
  expect(OPEN.toISOString()).toBe(at('2026-11-25T12:00:00').toISOString());
});
