import { and, eq, inArray } from 'drizzle-orm';
import { monitors, offers, staff, type MonitorMode } from '../../db/schema.ts';
import type { Hotline } from '../hotline.ts';
import { appendEvents } from '../calls/events.ts';
import { CallGone, type ParticipantChange } from '../telephony/carrier/carrier.ts';
import { Refused } from './conversation.ts';
import { clientIdentity } from './placement.ts';

/**
 * A supervisor in an agent's conversation: dialled into its room (their softphone rings as an agent's does),
 * then listening (muted: heard by nobody), whispering (coaching the agent: heard by the agent alone) or
 * barged in (heard by both). The mode changes on the live participant; the room ending ends the monitoring.
 */

/** The supervisor's label in the room. */
export const SUPERVISOR_LABEL = 'supervisor';

/** Seconds the supervisor's softphone rings before the carrier gives up. */
const MONITOR_RING_SECONDS = 30;

/** What each mode is, as a participant's flags (`callSidToCoach`: the agent's leg). */
function flagsOf(mode: MonitorMode, agentLeg: string): ParticipantChange {
  if (mode === 'listen') return { muted: true, coaching: false };
  if (mode === 'whisper') return { muted: false, coaching: true, callSidToCoach: agentLeg };
  return { muted: false, coaching: false };
}

/**
 * Monitor the conversation of the agent with employee number `agentNo` in `mode`, or change the mode of a
 * monitoring already going on. `legCallback` is where the supervisor's leg reports.
 */
export async function monitor(
  h: Hotline,
  supervisorId: number,
  agentNo: string,
  mode: MonitorMode,
  legCallback: (monitorId: number) => string,
): Promise<{ monitorId: number; mode: MonitorMode; status: 'dialling' | 'on' }> {
  const db = h.database.db;
  const [conversation] = await db
    .select({ offer: offers })
    .from(offers)
    .innerJoin(staff, eq(staff.employeeNo, agentNo))
    .where(and(eq(offers.staffId, staff.id), eq(offers.status, 'connected')));
  if (!conversation) throw new Refused(`agent ${agentNo} has no call in progress`, 404, 'agent');
  const { offer } = conversation;
  if (!offer.conferenceSid || !offer.conference || !offer.legSid) throw new Refused('this call cannot be monitored: it is not in a conference', 409);
  if (offer.staffId === supervisorId) throw new Refused('you cannot monitor your own call', 409, 'agent');

  const [live] = await db
    .select()
    .from(monitors)
    .where(and(eq(monitors.supervisorId, supervisorId), inArray(monitors.status, ['dialling', 'on'])));
  if (live && live.offerId !== offer.id) throw new Refused('you are monitoring another call: end it first', 409);
  if (live) return changeMode(h, live, mode, offer.conferenceSid, offer.legSid);

  const [me] = await db.select({ employeeNo: staff.employeeNo }).from(staff).where(eq(staff.id, supervisorId));
  const [row] = await db
    .insert(monitors)
    .values({ offerId: offer.id, supervisorId, mode, status: 'dialling', startedAt: h.now() })
    .returning();
  try {
    const flags = flagsOf(mode, offer.legSid);
    const { callSid } = await h.carrier.addParticipant(offer.conference, {
      to: `client:${clientIdentity(me!.employeeNo)}?monitor=${row!.id}`,
      from: h.config.twilio.callerId,
      label: SUPERVISOR_LABEL,
      statusCallback: legCallback(row!.id),
      timeoutSeconds: MONITOR_RING_SECONDS,
      startConferenceOnEnter: false,
      endConferenceOnExit: false,
      ...(flags.muted ? { muted: true } : {}),
      ...(flags.callSidToCoach ? { callSidToCoach: flags.callSidToCoach } : {}),
    });
    await db.update(monitors).set({ legSid: callSid }).where(eq(monitors.id, row!.id));
  } catch (err) {
    await db.update(monitors).set({ status: 'ended', endedAt: h.now() }).where(eq(monitors.id, row!.id));
    h.log.warn({ offerId: offer.id, err: (err as Error).message }, 'could not dial the supervisor in');
    throw new Refused('the carrier could not dial you into the call; try again', 502);
  }
  return { monitorId: row!.id, mode, status: 'dialling' };
}

async function changeMode(h: Hotline, live: typeof monitors.$inferSelect, mode: MonitorMode, conferenceSid: string, agentLeg: string) {
  if (live.mode !== mode) {
    if (!live.legSid) throw new Refused('your phone is still being rung: answer it first', 409);
    try {
      await h.carrier.updateParticipant(conferenceSid, live.legSid, flagsOf(mode, agentLeg));
    } catch (err) {
      if (err instanceof CallGone) throw new Refused('you are no longer in the call', 409);
      throw new Refused('the carrier could not change how you are in the call; try again', 502);
    }
    await h.database.db.update(monitors).set({ mode }).where(eq(monitors.id, live.id));
    if (live.status === 'on') await told(h, live.id, mode);
  }
  return { monitorId: live.id, mode, status: live.status as 'dialling' | 'on' };
}

/** Stop monitoring: the supervisor's leg is hung up (its callback then ends the row). */
export async function stopMonitoring(h: Hotline, supervisorId: number): Promise<{ monitorId: number }> {
  const [live] = await h.database.db
    .select()
    .from(monitors)
    .where(and(eq(monitors.supervisorId, supervisorId), inArray(monitors.status, ['dialling', 'on'])));
  if (!live) throw new Refused('you are not monitoring a call', 404);
  if (live.legSid) await h.carrier.hangup(live.legSid).catch(() => undefined);
  await ended(h, live.id);
  return { monitorId: live.id };
}

/** The supervisor's leg's status callback: answered, they are in; any end, the monitoring is over. */
export async function monitorLegProgress(h: Hotline, monitorId: number, status: string): Promise<void> {
  if (status === 'in-progress' || status === 'answered') {
    const [on] = await h.database.db
      .update(monitors)
      .set({ status: 'on' })
      .where(and(eq(monitors.id, monitorId), eq(monitors.status, 'dialling')))
      .returning();
    if (on) await told(h, on.id, on.mode);
    return;
  }
  if (['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(status)) await ended(h, monitorId);
}

async function ended(h: Hotline, monitorId: number): Promise<void> {
  const [row] = await h.database.db
    .update(monitors)
    .set({ status: 'ended', endedAt: h.now() })
    .where(and(eq(monitors.id, monitorId), inArray(monitors.status, ['dialling', 'on'])))
    .returning();
  if (row) await told(h, row.id, null);
}

/** The call's story records each change, and the agent and the board hear of it. */
async function told(h: Hotline, monitorId: number, mode: MonitorMode | null): Promise<void> {
  const [row] = await h.database.db
    .select({ offerId: offers.id, callSid: offers.callSid, staffId: offers.staffId, supervisorId: monitors.supervisorId })
    .from(monitors)
    .innerJoin(offers, eq(offers.id, monitors.offerId))
    .where(eq(monitors.id, monitorId));
  if (!row?.callSid) return;
  const event = { type: mode ? 'call.monitored' : 'call.unmonitored', data: { offerId: row.offerId, supervisorId: row.supervisorId, ...(mode ? { mode } : {}) } };
  await h.database.db.transaction((tx) => appendEvents(tx, row.callSid!, [event], h.now()));
  h.bus.emit('monitor', { staffId: row.staffId, supervisorId: row.supervisorId, mode });
  h.bus.emit('changed');
}
