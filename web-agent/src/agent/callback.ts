import { el } from '../shared/dom.ts';
import { hotlineTime } from '../shared/time.ts';
import { labelled } from './case-words.ts';
import { hotlineZone } from './cases-api.ts';
import { known, tr } from './i18n.ts';
import type { CallbackStage as ServerCallbackStage } from '../../../src/acd/bus.ts';
import type { ScreenPop } from './softphone.ts';

/**
 * Calling a passenger back (src/callbacks on the server). A callback is offered like a call: the `offer` event's
 * screen-pop carries `callback` and no call yet (`callSid` is ''). The page rings by itself (no carrier leg
 * rings until the passenger answers) and previews whom to call and why; "Call back" accepts
 * (`callback-accept` {offerId}), "Not now" declines (`callback-reject` {offerId}). The hotline then dials the
 * passenger and tells how it goes with `callback` events; once the passenger answers, it rings this agent's
 * phone like an inbound call, and the page answers that leg itself: the agent already said yes.
 */

/** What the screen-pop says of the callback (the server's type, for the type-checker only). */
export type CallbackInfo = NonNullable<ScreenPop['callback']>;

/**
 * The `callback` event: how the call placed to the passenger is going. `nextAttemptAt` (unreached): when the
 * hotline tries again; null: it will not (attempts used up, the supervisor decides).
 */
export type CallbackEvent = Omit<ServerCallbackStage, 'staffId'>;

export type CallbackAck = { ok: true } | { ok: false; error: string };

/** POST /api/cases/:reference/call-back's answer (202): the offer, made to this agent already accepted. */
export type CallBackStarted = { offerId: number; screenPop: ScreenPop };

/** The screen-pop's callback, when the offer is one. */
export function callbackOf(pop: ScreenPop): CallbackInfo | undefined {
  return pop.callback ?? undefined;
}

/** Where the callback is, as the panel shows it. */
export type PanelStage = 'offered' | 'dialling' | 'answered' | 'connected' | 'unreached';

/**
 * A moment as the agent reads it: "14:05" on the hotline's clock when it is today there, else with its date.
 */
function moment(iso: string): string {
  const zone = hotlineZone();
  const day = (at: Date) => new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', ...(zone ? { timeZone: zone } : {}) }).format(at);
  return hotlineTime(iso, tr.language, zone, day(new Date(iso)) === day(new Date()) ? 'clock' : 'date');
}

/**
 * The callback card: "Call back <number> — case <reference>, attempt n of max, due hh:mm", what the case is
 * about, the page's ring while it is offered with Call back / Not now, then how the call to the passenger goes.
 */
export function callbackPanel(info: CallbackInfo, ring: HTMLElement) {
  const headline = el('h2', { 'data-testid': 'callback-offer' });
  const accept = tr.label(el('button', { type: 'button', class: 'primary', 'data-testid': 'callback-accept' }), 'callBack');
  const reject = tr.label(el('button', { type: 'button', 'data-testid': 'callback-reject' }), 'notNow');
  const buttons = el('div', { class: 'controls offer-buttons' }, accept, reject);
  const status = el('p', { class: 'callback-status', 'data-testid': 'callback-status', role: 'status', hidden: true });
  const facts = el('dl', { class: 'callback-facts' });
  if (info.category) facts.append(el('div', { class: 'row' }, tr.label(el('dt'), 'category'), el('dd', { 'data-field': 'category' }, labelled('span', 'category', info.category))));
  if (info.description) facts.append(el('div', { class: 'row' }, tr.label(el('dt'), 'description'), el('dd', { 'data-field': 'description' }, info.description)));
  const element = el(
    'section',
    { class: 'callback card', 'data-testid': 'callback', 'data-stage': 'offered', 'data-reference': info.reference },
    tr.label(el('p', { class: 'kicker' }), 'callbackIncoming'),
    headline,
    facts.childElementCount ? facts : '',
    ring,
    buttons,
    status,
  );

  const describe = (attempts: number) => {
    const vars = { number: info.number, reference: info.reference, n: Math.min(attempts + 1, Math.max(info.maxAttempts, 1)), max: info.maxAttempts };
    if (info.dueAt) tr.label(headline, 'callbackOfferDue', { ...vars, at: moment(info.dueAt) });
    else tr.label(headline, 'callbackOffer', vars);
  };
  describe(info.attempts);

  const stage = (next: PanelStage) => {
    element.dataset['stage'] = next;
    ring.hidden = buttons.hidden = next !== 'offered';
    status.hidden = next === 'offered';
  };

  /** While the hotline answers Call back / Not now, neither can be pressed again. */
  const busy = (on: boolean) => {
    accept.disabled = reject.disabled = on;
  };

  return {
    element,
    accept,
    reject,
    busy,
    offered() {
      stage('offered');
      busy(false);
    },
    dialling() {
      stage('dialling');
      tr.label(status, 'callbackCalling');
    },
    answered() {
      stage('answered');
      tr.label(status, 'callbackAnswered');
    },
    connected() {
      stage('connected');
      tr.label(status, 'callbackConnected');
    },
    /** Not reached: how (busy, no answer …) and what happens next. */
    unreached(e: Pick<CallbackEvent, 'outcome' | 'nextAttemptAt' | 'attempts'>) {
      stage('unreached');
      status.dataset['outcome'] = e.outcome ?? '';
      delete status.dataset['i18n'];
      const next =
        e.nextAttemptAt === undefined ? '' : e.nextAttemptAt === null ? tr.label(el('span', { 'data-testid': 'callback-next' }), 'callbackGivenUp') : tr.label(el('span', { 'data-testid': 'callback-next' }), 'callbackRetry', { at: moment(e.nextAttemptAt) });
      status.replaceChildren(tr.label(el('strong', { 'data-testid': 'callback-outcome' }), known(`callbackOutcome.${e.outcome ?? ''}`)), next ? ': ' : '', next);
    },
  };
}
