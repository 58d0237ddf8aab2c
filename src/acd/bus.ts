import { EventEmitter } from 'node:events';
import type { Presence } from '../../db/schema.ts';
import type { ScreenPop } from './screen-pop.ts';

/**
 * What the ACD tells the people watching, after each change is committed. src/realtime turns these into
 * Socket.IO messages; with several processes the Socket.IO adapter carries them to the right socket.
 */
export type AcdEvents = {
  offer: [{ staffId: number; offerId: number; screenPop: ScreenPop }];
  'offer-withdrawn': [{ staffId: number; offerId: number; callSid: string; reason: string }];
  connected: [{ staffId: number; offerId: number; callSid: string; rings: number; ringSeconds: number; withinStandard: boolean }];
  ended: [{ staffId: number; offerId: number; callSid: string; wrapUpUntil: string }];
  'wrap-up-ended': [{ staffId: number }];
  presence: [{ staffId: number; presence: Presence; reason: string | null }];
  /** A login session ended (logout): its sockets are disconnected on every process. */
  'session-ended': [{ tokenHash: string }];
  /** Anything that moves a live figure (a caller queued or gone, an agent's presence): metrics are due. */
  changed: [];
};

export type Bus = EventEmitter<AcdEvents>;

export function newBus(): Bus {
  const bus = new EventEmitter<AcdEvents>();
  bus.setMaxListeners(0);
  return bus;
}
