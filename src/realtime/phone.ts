import { z } from 'zod';
import { clientIdentity } from '../acd/placement.ts';
import type { Hotline } from '../hotline.ts';
import { SimulatedPhones, type IncomingLeg, type PhoneAction } from '../telephony/carrier/simulator/phone.ts';
import { SimulatorError, type Simulator } from '../telephony/carrier/simulator/simulator.ts';
import { listen } from './handlers.ts';
import { requireSession, staffOf, type TypedNamespace } from './server.ts';

const ROLES = ['agent', 'supervisor'] as const;
const ACTIONS: readonly PhoneAction[] = ['answer', 'reject', 'hangup', 'mute', 'hold'];

const request = z.object({
  legSid: z.string('legSid is required').min(1, 'legSid is required').max(64, 'legSid is not a leg'),
  on: z.boolean('on must be true or false').optional(),
});

const room = (identity: string) => `phone:${identity}`;

/**
 * `/phone`, simulator mode only: the agent page's phone when there is no Twilio. Each staff member hears
 * the legs the simulator rings for their identity: `incoming` {legSid, callSid, from, ringingSince} (also
 * on connecting, for a leg already ringing or connected) and `leg-ended` {legSid, reason}; and sends `answer`,
 * `reject`, `hangup`, `mute`, `hold` {legSid, on?}, each acknowledged {ok} or {ok: false, error}.
 */
export function phoneNamespace(h: Hotline, nsp: TypedNamespace<'/phone'>, sim: Simulator): () => void {
  requireSession(h, nsp, ROLES);
  const phones = new SimulatedPhones(sim);

  nsp.on('connection', (socket) => {
    const identity = clientIdentity(staffOf(socket).employeeNo);
    void socket.join(room(identity));
    const on = listen(socket, h.log.child({ identity }));
    for (const action of ACTIONS) {
      on(action, `could not ${action}: try again`, async (body) => {
        const parsed = request.safeParse(body);
        if (!parsed.success) return { ok: false, error: parsed.error.issues[0]!.message };
        try {
          await phones.act(identity, parsed.data.legSid, action, parsed.data.on ?? true);
          return { ok: true };
        } catch (err) {
          if (err instanceof SimulatorError) return { ok: false, error: err.message };
          throw err;
        }
      });
    }
    for (const leg of phones.live(identity)) socket.emit('incoming', leg);
  });

  const incoming = (identity: string, leg: IncomingLeg) => nsp.to(room(identity)).emit('incoming', leg);
  const ended = (identity: string, legSid: string, reason: string) => nsp.to(room(identity)).emit('leg-ended', { legSid, reason });
  phones.events.on('incoming', incoming);
  phones.events.on('ended', ended);
  return () => {
    phones.events.off('incoming', incoming);
    phones.events.off('ended', ended);
    phones.close();
  };
}
