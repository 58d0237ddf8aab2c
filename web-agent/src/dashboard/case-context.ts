import type { Staff } from '../shared/session.ts';
import type { CaseDesk, Person } from './case-api.ts';

/** What the case board's parts share: the desk's configuration, whom a case may go to, who is looking, and how to open a case. */
export type DeskContext = {
  desk(): CaseDesk | undefined;
  /** GET /api/case-desk/staff (empty for trainers, who give no case to anyone). */
  staff(): Person[];
  me: Staff;
  /** Trainers read everything and change nothing: no action is offered. */
  readOnly: boolean;
  open(reference: string): void;
};
