import type { AcdEvents } from '../acd/bus.ts';
import type { Hotline } from '../hotline.ts';
import { room as agentRoom } from './agents.ts';
import { roleRoom, staffRoom } from './managers.ts';
import type { TypedNamespace } from './server.ts';

/**
 * Cases, live: `case-alert` (a reminder or escalation: CaseAlert) reaches the people it names, on the
 * softphone (`/agents`) and the dashboard (`/managers`), and every manager for the managers' level;
 * `case-changed` reaches the case's owner and supervisor on the softphone and every board. With several
 * processes the Socket.IO adapter carries each to the process holding the socket.
 */
export function caseEvents(h: Hotline, agents: TypedNamespace<'/agents'>, managers: TypedNamespace<'/managers'>): () => void {
  const alert = (a: AcdEvents['case-alert'][0]) => {
    const rooms = [...a.staffIds.map(staffRoom), ...a.roles.map(roleRoom)];
    if (a.staffIds.length) agents.to(a.staffIds.map(agentRoom)).emit('case-alert', a);
    if (rooms.length) managers.to(rooms).emit('case-alert', a);
  };
  const changed = (c: AcdEvents['case-changed'][0]) => {
    const people = [c.ownerStaffId, c.supervisorId].filter((id): id is number => id !== null);
    if (people.length) agents.to(people.map(agentRoom)).emit('case-changed', c);
    managers.emit('case-changed', c);
  };
  h.bus.on('case-alert', alert);
  h.bus.on('case-changed', changed);
  return () => {
    h.bus.off('case-alert', alert);
    h.bus.off('case-changed', changed);
  };
}
