import type { Hotline } from '../hotline.ts';
import { liveMetrics, type LiveMetrics } from '../metrics/live.ts';
import { requireSession, staffOf, type TypedNamespace } from './server.ts';

export const staffRoom = (staffId: number) => `staff:${staffId}`;
export const roleRoom = (role: string) => `role:${role}`;

const ROLES = ['supervisor', 'manager'] as const;
/**
 * Live figures go out at least every EVERY_MS, and at most once per THROTTLE_MS however busy the floor is; on
 * a floor whose board is costly to compute (2,000 agents: ~30 ms, and ~200 kB to every watcher), at most once
 * per COST_SHARE × that cost, so the board leaves the calls nineteen twentieths of the process.
 */
const EVERY_MS = 2_000;
const THROTTLE_MS = 250;
const COST_SHARE = 20;

export function currentMetrics(h: Hotline): Promise<LiveMetrics> {
  return liveMetrics(h.database.db, { now: h.now(), timeZone: h.config.timeZone, queues: h.queues, ringCycleSeconds: h.config.ringCycleSeconds });
}

/**
 * `/managers`: supervisors and managers receive `metrics` (LiveMetrics: queues, today's figures with CSAT, the
 * agent board, calls per 15 minutes, rings histogram) on connecting, on every change, and every 2 s.
 */
export function managersNamespace(h: Hotline, nsp: TypedNamespace<'/managers'>): () => void {
  requireSession(h, nsp, ROLES);
  let pending: NodeJS.Timeout | undefined;
  let lastSent = 0;
  let gap = THROTTLE_MS;
  // A change told while the figures are computed may have missed them: it asks for one more round after.
  let computing = false;
  let again = false;

  const send = async () => {
    pending = undefined;
    lastSent = Date.now();
    if (nsp.sockets.size === 0) return;
    computing = true;
    try {
      nsp.local.emit('metrics', await currentMetrics(h));
    } catch (err) {
      h.log.warn({ err }, 'live metrics failed');
    } finally {
      computing = false;
    }
    gap = Math.min(EVERY_MS, Math.max(THROTTLE_MS, COST_SHARE * (Date.now() - lastSent)));
    if (again) soon();
  };
  function soon() {
    if (computing) return void (again = true);
    again = false;
    if (pending) return;
    pending = setTimeout(() => void send(), Math.max(0, gap - (Date.now() - lastSent)));
  }

  nsp.on('connection', async (socket) => {
    const me = staffOf(socket);
    void socket.join([staffRoom(me.id), roleRoom(me.role)]);
    try {
      socket.emit('metrics', await currentMetrics(h));
    } catch (err) {
      // The next round (within 2 s) tries again; a failed query must not become an unhandled rejection.
      h.log.warn({ err }, 'live metrics failed');
    }
  });
  h.bus.on('changed', soon);
  const timer = setInterval(soon, EVERY_MS);
  timer.unref();
  return () => {
    h.bus.off('changed', soon);
    clearInterval(timer);
    clearTimeout(pending);
  };
}
