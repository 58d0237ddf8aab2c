import { openPhone, type IncomingCall, type Phone } from '../agent/phone.ts';
import { api } from '../shared/session.ts';

export type MonitorMode = 'listen' | 'whisper' | 'barge';

/**
 * A supervisor's monitoring from the agent board: asking the hotline to dial them into an agent's call (or
 * to change how they are in it), and the phone that takes that leg. The phone is opened on the first
 * request (the same simulated phone or Twilio Voice SDK as the softphone page) and answers by itself the
 * leg of the monitoring it asked for: the supervisor already said yes by pressing the button.
 */
export function monitoring(token: string, report: (err: unknown) => void) {
  let phone: Promise<Phone> | undefined;
  let wanted: number | undefined;
  // The leg may ring before the hotline's answer names it: kept until it does.
  const rung = new Map<number, IncomingCall>();
  const take = () => {
    const call = wanted === undefined ? undefined : rung.get(wanted);
    if (!call) return;
    rung.delete(wanted!);
    call.accept().catch(report);
  };
  const ready = () =>
    (phone ??= api<{ carrier: 'simulator' | 'twilio' }>('/api/softphone').then(async (settings) => {
      const opened = await openPhone(settings, token);
      opened.onIncoming((call) => {
        if (call.monitorId === undefined) return;
        rung.set(call.monitorId, call);
        call.onEnded(() => rung.delete(call.monitorId!));
        take();
      });
      return opened;
    }));
  return {
    async start(agent: string, mode: MonitorMode): Promise<void> {
      await ready();
      const asked = await api<{ monitorId: number }>('/api/monitor', { method: 'POST', body: { agent, mode } });
      wanted = asked.monitorId;
      take();
    },
    async stop(): Promise<void> {
      await api('/api/monitor', { method: 'DELETE', body: {} });
      wanted = undefined;
    },
    close(): void {
      void phone?.then((p) => p.close());
    },
  };
}
