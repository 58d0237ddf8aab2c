/**
 * What a case may be and say. Free of imports: the pages bundle these lists for their selects, and the server
 * validates against the same ones.
 */
export const CASE_TYPES = ['complaint', 'lost-item', 'luggage-claim', 'callback', 'enquiry'] as const;
export const CASE_PRIORITIES = ['normal', 'urgent'] as const;
export const CASE_STATUSES = ['new', 'acknowledged', 'in-progress', 'waiting', 'resolved', 'closed'] as const;
export const CASE_CHANNELS = ['phone', 'online', 'on-site'] as const;
export const WAITING_ON = ['passenger', 'department'] as const;
/** A commitment's three clocks: acknowledge the case, first reply to the passenger, resolve it. */
export const CLOCK_KINDS = ['acknowledge', 'first-reply', 'resolve'] as const;
/** Still being worked: a clock may run. */
export const OPEN_STATUSES = ['new', 'acknowledged', 'in-progress', 'waiting'] as const;

export type CaseType = (typeof CASE_TYPES)[number];
export type CasePriority = (typeof CASE_PRIORITIES)[number];
export type CaseStatus = (typeof CASE_STATUSES)[number];
export type CaseChannel = (typeof CASE_CHANNELS)[number];
export type WaitingOn = (typeof WAITING_ON)[number];
export type ClockKind = (typeof CLOCK_KINDS)[number];

/** Per type: what a lost item is, and a luggage claim's tag and amount (yuan). */
export type CaseDetails = {
  itemKind?: string;
  itemDescription?: string;
  tagNumber?: string;
  claimedAmount?: number;
  /** A supervisor approved a claim up to this amount (claims above the policy's threshold need it). */
  approvedAmount?: number;
};

/** How a case was resolved: the reason, the answer the passenger was given and, for claims, the decision. */
export type Resolution = {
  reason: string;
  answer: string;
  decision?: { approved: true; amount: number } | { approved: false; refusal: string };
};

/** Reasons a case may be resolved with. */
export const RESOLUTION_REASONS = ['answered', 'compensated', 'item-returned', 'item-not-found', 'refused', 'withdrawn', 'duplicate', 'unreachable'] as const;
