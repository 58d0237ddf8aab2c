import { el } from '../shared/dom.ts';
import { fill } from '../shared/i18n.ts';
import { tr } from './i18n.ts';
import type { IncomingCall } from './phone.ts';

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

export function greeting(callerLanguage: string, employeeNo: string, callbackReference?: string): string {
  const table = callbackReference ? CALLBACK_GREETINGS : GREETINGS;
  return fill(table[callerLanguage] ?? table['zh-CN']!, { no: employeeNo, reference: callbackReference ?? '' });
}

/** The call in progress: the greeting to read, the call timer, hang up, mute, and hold where there is one. */
export function callPanel(callerLanguage: string, employeeNo: string, report: (err: unknown) => void, callbackReference?: string) {
  const timer = el('output', { 'data-testid': 'call-timer', 'data-seconds': 0 }, '00:00');
  const hangup = tr.label(el('button', { type: 'button', class: 'danger', 'data-testid': 'hangup' }), 'hangUp');
  const mute = tr.label(el('button', { type: 'button', 'data-testid': 'mute', 'aria-pressed': 'false' }), 'mute');
  const hold = tr.label(el('button', { type: 'button', 'data-testid': 'hold', 'aria-pressed': 'false', hidden: true }), 'hold');
  const controls = el('div', { class: 'controls' }, hangup, mute, hold);
  const ended = tr.label(el('p', { class: 'call-ended', hidden: true }), 'callEnded');
  const element = el(
    'section',
    { class: 'call card' },
    tr.label(el('h3'), 'greeting'),
    el('blockquote', { 'data-testid': 'greeting', lang: callerLanguage }, greeting(callerLanguage, employeeNo, callbackReference)),
    el('p', { class: 'timer' }, tr.label(el('span'), 'callTime'), ' ', timer),
    controls,
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
  toggle(hold, 'resume', 'hold', (on) => (phoneCall?.hold ? phoneCall.hold(on) : Promise.reject(new Error(tr.t('noPhone')))));

  return {
    element,
    /** The phone's handle on this call (absent after a reload: the page shows the call, the phone cannot act). */
    attach(call: IncomingCall | undefined) {
      phoneCall = call;
      hold.hidden = !call?.hold;
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
    },
    ended() {
      clearInterval(ticker);
      controls.hidden = true;
      ended.hidden = false;
    },
    close() {
      clearInterval(ticker);
    },
  };
}
