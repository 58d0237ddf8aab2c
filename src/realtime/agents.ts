import { z } from 'zod';
import type { AcdEvents } from '../acd/bus.ts';
import { agentConnected, agentDisconnected, choosePresence, PresenceError, presenceOf } from '../acd/presence.ts';
import { socketClosed, socketOpened } from '../acd/processes.ts';
import type { Hotline } from '../hotline.ts';
import { refusing, unstorable } from '../input.ts';
import { DISPOSITION_REQUIRED, mayEndWrapUp, releaseHeldWrapUp } from '../notes/disposition.ts';
import { NotesError, parseNotes, saveNotes } from '../notes/notes.ts';
import { listen } from './handlers.ts';
import { acceptCallback, CallbackError, declineCallback } from '../callbacks/offers.ts';
import { requireSession, staffOf, type TypedNamespace } from './server.ts';
import { worded } from '../acd/screen-pop.ts';
import type { CallbackAnswer, PresenceAnswer } from './events.ts';

/** Agents (and supervisors, who take calls too) connect here. */
const ROLES = ['agent', 'supervisor'] as const;

const presenceRequest = z.strictObject({
  state: z.enum(['available', 'break', 'offline'], { error: 'state must be available, break or offline' }),
  reason: z
    .string('reason must be text')
    .min(1, 'reason must be 1 to 60 characters')
    .max(60, 'reason must be 1 to 60 characters')
    .check(refusing(unstorable, 'reason'))
    .optional(),
});

const offerIdOf = z.object({ offerId: z.number('offerId must be an offer number').int('offerId must be an offer number').min(1, 'offerId must be an offer number').max(2_147_483_647, 'offerId must be an offer number') });

const callSidOf = z.object({ callSid: z.string('is required').min(1, 'is required').max(64, 'is not a call').check(refusing(unstorable)) });
const WRAP_UP_REFUSED = { ok: false, error: DISPOSITION_REQUIRED, field: 'disposition' } as const;

export const room = (staffId: number) => `agent:${staffId}`;

/**
 * `/agents`: one room per agent (its events and payloads: AgentsServerToClient and AgentsClientToServer in
 * src/realtime/events.ts). Pushes `offer` (the screen-pop, its IVR path in words), `offer-withdrawn`, `connected`,
 * `ended`, `wrap-up-ended`, `presence` and `callback` (an accepted callback's progress); takes `presence`
 * {state, reason}, `callback-accept` and `callback-reject` {offerId}, `wrap-up-done` and `notes`
 * {callSid, ...NotesInput}, each with an acknowledgement. Leaving wrap-up (wrap-up-done, or any presence)
 * is refused until the call's notes have a disposition (src/notes/disposition.ts).
 */
export function agentsNamespace(h: Hotline, nsp: TypedNamespace<'/agents'>): () => void {
  requireSession(h, nsp, ROLES);

  nsp.on('connection', (socket) => {
    const me = staffOf(socket);
    // Listeners first: the page may ask for a presence change the moment it is connected.
    void socket.join(room(me.id));

    const on = listen(socket, h.log.child({ staffId: me.id }));

    on('presence', 'could not change presence: try again', async (body) => {
      const parsed = presenceRequest.safeParse(body ?? {});
      if (!parsed.success) return { ok: false, error: parsed.error.issues[0]!.message };
      if (!(await mayEndWrapUp(h, me.id))) return WRAP_UP_REFUSED;
      return changePresence(() => choosePresence(h, me.id, parsed.data.state, parsed.data.reason ?? null));
    });

    on('wrap-up-done', 'could not end wrap-up: try again', async () => {
      const current = await presenceOf(h, me.id);
      if (current?.presence !== 'wrap-up') return { ok: false, error: `not in wrap-up (${current?.presence ?? 'offline'})` };
      if (!(await mayEndWrapUp(h, me.id))) return WRAP_UP_REFUSED;
      return changePresence(() => choosePresence(h, me.id, 'available'));
    });

    on('notes', 'could not save the notes: try again', async (body) => {
      try {
        const sid = callSidOf.safeParse(body ?? {});
        if (!sid.success) throw new NotesError(`callSid ${sid.error.issues[0]!.message}`, 'callSid');
        const saved = await saveNotes(h, me.id, sid.data.callSid, parseNotes(body));
        if (saved.applied && saved.disposition) await releaseHeldWrapUp(h, me.id);
        return { ok: true, version: saved.version, savedAt: saved.savedAt };
      } catch (err) {
        if (err instanceof NotesError) return { ok: false, error: err.message, ...(err.field ? { field: err.field } : {}) };
        throw err;
      }
    });

    on('callback-accept', 'could not call the passenger: try again', async (body) => {
      const parsed = offerIdOf.safeParse(body ?? {});
      if (!parsed.success) return { ok: false, error: parsed.error.issues[0]!.message, field: 'offerId' };
      return refusedCallback(() => acceptCallback(h, me.id, parsed.data.offerId));
    });

    on('callback-reject', 'could not turn the callback down: try again', async (body) => {
      const parsed = offerIdOf.safeParse(body ?? {});
      if (!parsed.success) return { ok: false, error: parsed.error.issues[0]!.message, field: 'offerId' };
      return refusedCallback(() => declineCallback(h, me.id, parsed.data.offerId));
    });

    socket.on('disconnect', () => {
      // Another tab (or another server process) may still hold a socket for this agent. With the database
      // away the row stays; the realtime layer's reconciliation closes it once the database is back.
      socketClosed(h, socket.id, me.id)
        .then((last) => (last ? agentDisconnected(h, me.id) : undefined))
        .catch((err: unknown) => h.log.warn({ err, staffId: me.id }, 'agent socket closed; presence not yet updated'));
    });

    void (async () => {
      await socketOpened(h, socket.id, me.id);
      await agentConnected(h, me.id);
      const row = await presenceOf(h, me.id);
      socket.emit('presence', { staffId: me.id, presence: row?.presence ?? 'offline', reason: row?.breakReason ?? null });
    })().catch((err: unknown) => h.log.error({ err, staffId: me.id }, 'agent connection failed'));
  });

  // The ACD's events, each to its agent's room: as they are, but for the screen-pop, which gets its IVR path
  // in words. Whether agents hear that a supervisor listens in is the site's rule.
  const to = (staffId: number) => nsp.to(room(staffId));
  const told: { [E in Exclude<keyof AcdEvents, 'changed' | 'session-ended' | 'case-changed' | 'case-alert'>]?: (e: AcdEvents[E][0]) => void } = {
    offer: (e) => to(e.staffId).emit('offer', worded(h.flows, e.screenPop)),
    'offer-withdrawn': (e) => to(e.staffId).emit('offer-withdrawn', e),
    connected: (e) => to(e.staffId).emit('connected', e),
    ended: (e) => to(e.staffId).emit('ended', e),
    'wrap-up-ended': (e) => to(e.staffId).emit('wrap-up-ended', e),
    presence: (e) => to(e.staffId).emit('presence', e),
    callback: (e) => to(e.staffId).emit('callback', e),
    coaching: (e) => to(e.staffId).emit('coaching', e),
    ...(h.config.monitoringNotice ? { monitor: (e: AcdEvents['monitor'][0]) => to(e.staffId).emit('monitor', e) } : {}),
  };
  // The bus's own typing pairs each event with its listener; the table above already did.
  const listeners = Object.entries(told) as Array<[keyof typeof told, never]>;
  for (const [event, listener] of listeners) h.bus.on(event, listener);
  return () => {
    for (const [event, listener] of listeners) h.bus.off(event, listener);
  };
}

/** A callback accepted or turned down, or why not (no longer ringing, not this agent's). */
async function refusedCallback(act: () => Promise<void>): Promise<CallbackAnswer> {
  try {
    await act();
    return { ok: true };
  } catch (err) {
    if (err instanceof CallbackError) return { ok: false, error: err.message };
    throw err;
  }
}

/** A presence change, or the reason the ACD refused it; any other failure is the listener's to answer. */
async function changePresence(change: () => Promise<string>): Promise<PresenceAnswer> {
  try {
    return { ok: true, presence: await change() };
  } catch (err) {
    if (err instanceof PresenceError) return { ok: false, error: err.message };
    throw err;
  }
}
