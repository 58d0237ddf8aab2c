import { EventEmitter } from 'node:events';
import type { Presence } from '../../db/schema.ts';
import type { ScreenPop } from './screen-pop.ts';
import type { CaseAlert } from '../cases/sweep.ts';
import type { CaseStatus, CaseType } from '../cases/choices.ts';

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
  /** An accepted callback's progress, for the agent who is calling (src/callbacks/attempts.ts). */
  callback: [CallbackStage];
  /** A case was made or changed: the owner's "my cases" and the supervisors' board refresh. */
  'case-changed': [{ caseId: number; reference: string; type: CaseType; callSid: string | null; ownerStaffId: number | null; supervisorId: number | null; status: CaseStatus }];
  /** A reply commitment is near its breach (the owner is reminded) or past it (escalated): who must hear of it. */
  'case-alert': [CaseAlert];
  /** A login session ended (logout): its sockets are disconnected on every process. */
  'session-ended': [{ tokenHash: string }];
  /** A supervisor began monitoring an agent's conversation, changed how (`mode`), or stopped (null). */
  monitor: [{ staffId: number; supervisorId: number; mode: 'listen' | 'whisper' | 'barge' | null }];
  /** A trainer wrote (or changed) a coaching note for this agent: their softphone shows it at once. */
  coaching: [{ staffId: number }];
  /** Anything that moves a live figure (a caller queued or gone, an agent's presence): metrics are due. */
  changed: [];
};

export type Bus = EventEmitter<AcdEvents>;

export type CallbackStage = {
  staffId: number;
  offerId: number;
  caseId: number;
  reference: string;
  /** dialling: the call is placed; answered: the passenger is being put through; unreached: the attempt is over. */
  stage: 'dialling' | 'answered' | 'unreached';
  callSid: string | null;
  /** Unreached: busy, no-answer, failed, machine (a message was left), canceled. */
  outcome?: string;
  /** Attempts that counted so far. */
  attempts: number;
  /** Unreached: when the callback is tried again; null when its attempts are used up (the supervisor is told). */
  nextAttemptAt?: string | null;
};

export function newBus(): Bus {
  const bus = new EventEmitter<AcdEvents>();
  bus.setMaxListeners(0);
  return bus;
}
