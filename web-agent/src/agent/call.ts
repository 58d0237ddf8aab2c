import { el } from '../shared/dom.ts';
import { fill } from '../shared/i18n.ts';
import { api } from '../shared/session.ts';
import { known, tr } from './i18n.ts';
import type { IncomingCall } from './phone.ts';
import type { Softphone } from './softphone.ts';

/** The operator's standard greeting (domain.md §2), in the caller's language, with the agent's number. */
const GREETINGS: Record<string, string> = {
  'zh-CN': '您好，高铁客服，工号{no}，很高兴为您服务。',
  'zh-TW': '您好，高鐵客服，工號{no}，很高興為您服務。',
  'yue-HK': '您好，高鐵客服，工號{no}，很高興為您服務。',
  'en-US': 'Hello, high-speed rail passenger hotline, agent number {no}. How may I help you?',
};

/** Calling a passenger back: who calls, and about which case (the reference they were given). */
const CALLBACK_GREETINGS: Record<string, string> = {
  'zh-CN': '您好，这里是高铁客服，工号{no}，就您的案件{reference}给您回电。',
  'zh-TW': '您好，這裡是高鐵客服，工號{no}，就您的案件{reference}給您回電。',
  'yue-HK': '你好，呢度係高鐵客服，工號{no}，就你嘅個案{reference}打返俾你。',
  'en-US': 'Hello, this is the high-speed rail passenger hotline, agent number {no}, calling you back about case {reference}.',
};

/** How often, and how far apart, the page asks whether a call it answered is recorded, until the hotline knows it is answered. */
const RECORDING_ASKS = 10;
const RECORDING_ASK_MS = 300;

export function greeting(callerLanguage: string, employeeNo: string, callbackReference?: string): string {
  const table = callbackReference ? CALLBACK_GREETINGS : GREETINGS;
  return fill(table[callerLanguage] ?? table['zh-CN']!, { no: employeeNo, reference: callbackReference ?? '' });
}

/**
 * The call in progress: the greeting to read, the call timer, hang up, mute, hold and passing the caller to
 * another queue. Hold and transfer are the hotline's (the caller's place in the conversation's room,
 * src/acd/conversation.ts), not the phone's: a passenger called back, put through without a room, can be
 * neither held nor passed on. A recorded conversation (its queue records) says so, with a button to pause
 * the recording while the caller reads out card or ID numbers (src/recordings).
 */
export function callPanel(
  callerLanguage: string,
  employeeNo: string,
  report: (err: unknown) => void,
  options: { callbackReference?: string | undefined; queues: string[]; departments: Array<{ key: string; name: string }> },
) {
  const { callbackReference } = options;
  const timer = el('output', { 'data-testid': 'call-timer', 'data-seconds': 0 }, '00:00');
  const hangup = tr.label(el('button', { type: 'button', class: 'danger', 'data-testid': 'hangup' }), 'hangUp');
  const mute = tr.label(el('button', { type: 'button', 'data-testid': 'mute', 'aria-pressed': 'false' }), 'mute');
  const hold = tr.label(el('button', { type: 'button', 'data-testid': 'hold', 'aria-pressed': 'false', hidden: callbackReference !== undefined }), 'hold');
  const recording = tr.label(el('button', { type: 'button', 'data-testid': 'pause-recording', 'aria-pressed': 'false', hidden: true }), 'pauseRecording');
  const recordingNote = tr.label(el('p', { class: 'recording', 'data-testid': 'recording-state', hidden: true }), 'recordingOn');
  const controls = el('div', { class: 'controls' }, hangup, mute, hold, recording);
  // Another queue (the caller waits again, their place kept) or a department's number (handed over on answer).
  const target = el(
    'select',
    { 'data-testid': 'transfer-queue' },
    el('optgroup', { label: tr.t('queues') }, ...options.queues.map((q) => tr.label(el('option', { value: `queue:${q}` }), known(`queue.${q}`)))),
    el('optgroup', { label: tr.t('departments') }, ...options.departments.map((d) => el('option', { value: `department:${d.key}` }, d.name))),
  );
  const transfer = tr.label(el('button', { type: 'button', 'data-testid': 'transfer' }), 'transfer');
  const transferring = el('div', { class: 'controls transfer', hidden: callbackReference !== undefined || options.queues.length === 0 }, tr.label(el('label'), 'transferTo'), target, transfer);
  // Warm: hold the caller and call a colleague in; then hand the caller over or go back to them.
  const colleague = el('input', { 'data-testid': 'consult-agent', inputmode: 'numeric', size: 8, placeholder: tr.t('consultAgentNo') });
  const consult = tr.label(el('button', { type: 'button', 'data-testid': 'consult' }), 'consultWith');
  const complete = tr.label(el('button', { type: 'button', class: 'primary', 'data-testid': 'consult-complete', hidden: true }), 'completeTransfer');
  const back = tr.label(el('button', { type: 'button', 'data-testid': 'consult-return', hidden: true }), 'backToCaller');
  const consulting = el('div', { class: 'controls transfer', hidden: callbackReference !== undefined }, colleague, consult, complete, back);
  const consultStep = (button: HTMLButtonElement, path: string, body: () => object, after: () => void) =>
    button.addEventListener('click', () => {
      button.disabled = true;
      api(path, { method: 'POST', body: body() }).then(
        () => {
          button.disabled = false;
          after();
        },
        (err: unknown) => {
          button.disabled = false;
          report(err);
        },
      );
    });
  const inConsult = (on: boolean) => {
    colleague.hidden = consult.hidden = on;
    complete.hidden = back.hidden = !on;
    hold.setAttribute('aria-pressed', String(on));
    tr.label(hold, on ? 'resume' : 'hold');
  };
  consultStep(consult, '/api/softphone/consult', () => ({ agent: colleague.value.trim() }), () => inConsult(true));
  consultStep(complete, '/api/softphone/consult/complete', () => ({}), () => (consulting.hidden = transferring.hidden = true));
  consultStep(back, '/api/softphone/consult/return', () => ({}), () => inConsult(false));
  const ended = tr.label(el('p', { class: 'call-ended', hidden: true }), 'callEnded');
  const element = el(
    'section',
    { class: 'call card' },
    tr.label(el('h3'), 'greeting'),
    el('blockquote', { 'data-testid': 'greeting', lang: callerLanguage }, greeting(callerLanguage, employeeNo, callbackReference)),
    el('p', { class: 'timer' }, tr.label(el('span'), 'callTime'), ' ', timer),
    controls,
    recordingNote,
    transferring,
    consulting,
    ended,
  );
  let phoneCall: IncomingCall | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;

  const toggle = (button: HTMLButtonElement, onKey: 'unmute' | 'resume', offKey: 'mute' | 'hold', act: (on: boolean) => Promise<void>) => {
    button.addEventListener('click', () => {
      const on = button.getAttribute('aria-pressed') !== 'true';
      act(on).then(() => {
        button.setAttribute('aria-pressed', String(on));
        tr.label(button, on ? onKey : offKey);
      }, report);
    });
  };
  hangup.addEventListener('click', () => {
    hangup.disabled = true;
    (phoneCall ? phoneCall.hangup() : Promise.reject(new Error(tr.t('noPhone')))).catch((err: unknown) => {
      hangup.disabled = false;
      report(err);
    });
  });
  toggle(mute, 'unmute', 'mute', (on) => (phoneCall ? phoneCall.mute(on) : Promise.reject(new Error(tr.t('noPhone')))));
  toggle(hold, 'resume', 'hold', (on) => api('/api/softphone/hold', { method: 'POST', body: { on } }).then(() => undefined));
  const showRecording = (state: 'on' | 'paused' | null) => {
    recording.hidden = recordingNote.hidden = state === null;
    if (state === null) return;
    recording.setAttribute('aria-pressed', String(state === 'paused'));
    tr.label(recording, state === 'paused' ? 'resumeRecording' : 'pauseRecording');
    tr.label(recordingNote, state === 'paused' ? 'recordingPaused' : 'recordingOn');
  };
  let asking: ReturnType<typeof setTimeout> | undefined;
  const learnRecording = (asks: number) => {
    api<Softphone>('/api/softphone').then((s) => {
      // Answered on the phone before the hotline heard of it: ask again once it has.
      if (s.current?.offerStatus === 'ringing' && asks > 1) asking = setTimeout(() => learnRecording(asks - 1), RECORDING_ASK_MS);
      else showRecording(s.current?.recording ?? null);
    }, () => undefined);
  };
  recording.addEventListener('click', () => {
    const paused = recording.getAttribute('aria-pressed') !== 'true';
    recording.disabled = true;
    api<{ recording: 'on' | 'paused' }>('/api/softphone/recording', { method: 'POST', body: { paused } })
      .then((r) => showRecording(r.recording), report)
      .finally(() => (recording.disabled = false));
  });
  // Blind: the caller leaves for the queue at once, and the conversation ends here (the `ended` event).
  transfer.addEventListener('click', () => {
    transfer.disabled = true;
    const [kind, name] = target.value.split(':') as ['queue' | 'department', string];
    api('/api/softphone/transfer', { method: 'POST', body: { [kind]: name } }).catch((err: unknown) => {
      transfer.disabled = false;
      report(err);
    });
  });

  return {
    element,
    /** The phone's handle on this call (absent after a reload: the page shows the call, the phone cannot act). */
    attach(call: IncomingCall | undefined) {
      phoneCall = call;
      hangup.disabled = mute.disabled = !call;
    },
    started(at: number) {
      const tick = () => {
        const seconds = Math.max(0, Math.floor((Date.now() - at) / 1000));
        timer.dataset['seconds'] = String(seconds);
        const h = Math.floor(seconds / 3600);
        const mmss = `${String(Math.floor(seconds / 60) % 60).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
        timer.textContent = h ? `${h}:${mmss}` : mmss;
      };
      tick();
      clearInterval(ticker);
      ticker = setInterval(tick, 500);
      // Whether the conversation is recorded is the hotline's to say (its queue), asked once it is answered.
      if (callbackReference === undefined) learnRecording(RECORDING_ASKS);
    },
    ended() {
      clearInterval(ticker);
      clearTimeout(asking);
      controls.hidden = transferring.hidden = consulting.hidden = recordingNote.hidden = true;
      ended.hidden = false;
    },
    close() {
      clearInterval(ticker);
      clearTimeout(asking);
    },
  };
}
