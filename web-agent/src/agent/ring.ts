import { el } from '../shared/dom.ts';
import { tr } from './i18n.ts';

/**
 * The ring: a 450 Hz tone with the mainland cadence (1 s on, 4 s off) and a live counter of rings against the
 * three-ring standard. Rings are counted as the server counts them: floor(seconds ringing / cycle) + 1, so
 * the counter and the sound move together (the tone lasts a fifth of the cycle: 1 s of a 5 s cycle).
 */
export function ringer(cycleSeconds: number, standard: number) {
  const count = el('strong', { 'data-testid': 'ring-count', 'data-rings': 0, 'data-warning': 'false' }, '0');
  const warning = tr.label(el('p', { class: 'ring-warning', hidden: true }), 'pastStandard');
  const element = el(
    'div',
    { class: 'ring', 'data-sounding': 'false' },
    tr.label(el('span', { class: 'ring-label' }), 'rings'),
    ' ',
    count,
    el('span', { class: 'ring-limit' }, ` / ${standard} `),
    tr.label(el('small'), 'ringLimit', { limit: standard }),
    warning,
  );
  let since: number | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  let tone: Tone | undefined;

  const tick = () => {
    if (since === undefined) return;
    const rings = Math.floor(Math.max(0, Date.now() - since) / 1000 / cycleSeconds) + 1;
    const past = rings > standard;
    count.textContent = String(rings);
    count.dataset['rings'] = String(rings);
    count.dataset['warning'] = String(past);
    element.classList.toggle('warning', past);
    warning.hidden = !past;
  };

  return {
    element,
    /** Starts ringing (or moves the start to when the carrier says it started). */
    start(at: number) {
      since = at;
      tick();
      ticker ??= setInterval(tick, 200);
      if (!tone) {
        tone = ringTone(cycleSeconds, at);
        // data-sounding: the browser lets the page play the ring (some need a click on the page first).
        void tone?.audible.then((on) => {
          if (tone) element.dataset['sounding'] = String(on);
        });
      }
    },
    stop() {
      clearInterval(ticker);
      ticker = undefined;
      tone?.stop();
      tone = undefined;
      element.dataset['sounding'] = 'false';
    },
  };
}

type Tone = { audible: Promise<boolean>; stop(): void };

let context: AudioContext | undefined;

function ringTone(cycleSeconds: number, since: number): Tone | undefined {
  try {
    context ??= new AudioContext();
  } catch {
    return undefined; // no audio here: the counter still shows the ring
  }
  const audio = context;
  const audible = audio.resume().then(
    () => audio.state === 'running',
    () => false,
  );
  const gain = audio.createGain();
  gain.gain.value = 0;
  gain.connect(audio.destination);
  const oscillator = audio.createOscillator();
  oscillator.frequency.value = 450;
  oscillator.connect(gain);
  oscillator.start();
  const on = cycleSeconds / 5;
  // Schedule the bursts a few cycles ahead, aligned with the ring's start.
  let next = audio.currentTime + (cycleSeconds - (((Date.now() - since) / 1000) % cycleSeconds)) % cycleSeconds;
  const schedule = () => {
    while (next < audio.currentTime + 3 * cycleSeconds) {
      gain.gain.setValueAtTime(0.2, next);
      gain.gain.setValueAtTime(0, next + on);
      next += cycleSeconds;
    }
  };
  schedule();
  const timer = setInterval(schedule, cycleSeconds * 1000);
  return {
    audible,
    stop() {
      clearInterval(timer);
      gain.gain.cancelScheduledValues(0);
      gain.gain.value = 0;
      oscillator.stop();
      oscillator.disconnect();
      gain.disconnect();
    },
  };
}
