import { io } from 'socket.io-client';
import { el } from '../shared/dom.ts';
import { api, ApiError, logOut, type Session } from '../shared/session.ts';
import { callPanel } from './call.ts';
import { tr } from './i18n.ts';
import { notesForm } from './notes.ts';
import { openPhone, type IncomingCall, type Phone } from './phone.ts';
import { presenceBar } from './presence.ts';
import { ringer } from './ring.ts';
import { screenPopCard } from './screen-pop.ts';
import { localMoment, type NotesInput, type SaveAck, type ScreenPop, type Softphone } from './softphone.ts';

type Ack = { ok: true; presence?: string } | { ok: false; error: string; field?: string };
type Status = 'ringing' | 'connected' | 'wrap-up' | 'done';

/** Used when GET /api/softphone cannot answer: the hotline's defaults. */
const FALLBACK: Softphone = { carrier: 'simulator', identity: '', ringCycleSeconds: 5, offerRingLimit: 4, standardRings: 3, current: null };
const LONGEST_CALL_MS = 12 * 3600_000;

/**
 * The agent's desk once logged in: the presence bar, and the offer in hand from the first ring through the
 * call to the end of wrap-up. Resolves when the agent logs out (or the session ends).
 */
export async function openDesk(root: HTMLElement, session: Session): Promise<void> {
  const { staff, token } = session;
  const error = el('p', { 'data-testid': 'error', class: 'error', role: 'alert' });
  const report = (err: unknown) => {
    error.textContent = err instanceof Error ? err.message : String(err);
  };
  const clearError = () => (error.textContent = '');

  let settings = FALLBACK;
  try {
    settings = await api<Softphone>('/api/softphone');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    report(err);
  }

  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const socket = io('/agents', { auth: { token }, reconnectionDelayMax: 2_000 });
  let phone: Phone | undefined;
  const leave = () => {
    current?.close();
    socket.disconnect();
    phone?.close();
    finish();
  };

  const bar = presenceBar(
    staff,
    (choice) => {
      ask<Ack>('presence', choice).then((ack) => {
        if (!ack.ok) return report(ack.field === 'disposition' ? tr.t('dispositionRequired') : ack.error);
        clearError();
        bar.show(ack.presence ?? choice.state, choice.state === 'break' ? (choice.reason ?? null) : null);
      }, report);
    },
    () => void logOut().then(leave),
  );
  const connection = tr.label(el('p', { class: 'connection', hidden: true }), 'disconnected');
  const notice = el('p', { class: 'notice', 'data-testid': 'notice' });
  const stage = el('div', { class: 'stage' });
  const idle = () => stage.replaceChildren(tr.label(el('p', { class: 'idle muted', 'data-testid': 'idle' }), 'idle'));
  root.replaceChildren(bar.element, connection, error, notice, stage);
  idle();

  const ask = <T>(event: string, ...args: unknown[]) => socket.timeout(5_000).emitWithAck(event, ...args) as Promise<T>;

  // --- the offer in hand ---------------------------------------------------------------------------------
  type Current = ReturnType<typeof offerView>;
  let current: Current | undefined;
  let unclaimed: IncomingCall[] = []; // the phone rang before the screen-pop arrived

  function offerView(pop: ScreenPop) {
    let status: Status = 'ringing';
    let phoneCall: IncomingCall | undefined;
    const ring = ringer(settings.ringCycleSeconds, settings.standardRings);
    const answer = tr.label(el('button', { type: 'button', class: 'primary', 'data-testid': 'answer' }), 'answer');
    const reject = tr.label(el('button', { type: 'button', class: 'danger', 'data-testid': 'reject' }), 'reject');
    // Enabled once the phone itself rings (the screen-pop may come a moment earlier).
    answer.disabled = reject.disabled = true;
    const offerButtons = el('div', { class: 'controls offer-buttons' }, answer, reject);
    const ringing = el('section', { class: 'ringing card' }, tr.label(el('h2'), 'incoming'), ring.element, offerButtons);
    const call = callPanel(pop.language, staff.employeeNo, report);
    const save = (notes: NotesInput & { callSid: string }) => ask<SaveAck>('notes', notes);
    const notes = notesForm(pop.callSid, save, () => socket.connected, report, clearError);
    notes.fill({ trainNumber: pop.answers['trainNumber'] ?? '' });
    const wrapUpDone = tr.label(el('button', { type: 'button', class: 'primary', 'data-testid': 'wrap-up-done', hidden: true }), 'wrapUpDone');
    call.element.hidden = notes.element.hidden = true;
    stage.replaceChildren(el('div', { class: 'desk' }, el('div', { class: 'column' }, ringing, screenPopCard(pop)), el('div', { class: 'column' }, call.element, notes.element, wrapUpDone)));

    const acting = (button: HTMLButtonElement, act: (c: IncomingCall) => Promise<void>) => {
      button.addEventListener('click', () => {
        if (!phoneCall) return report(tr.t('noPhone'));
        answer.disabled = reject.disabled = true;
        act(phoneCall).then(clearError, (err: unknown) => {
          answer.disabled = reject.disabled = false;
          report(err);
        });
      });
    };
    acting(answer, async (c) => {
      await c.accept();
      view.connected(Date.now());
    });
    acting(reject, async (c) => {
      await c.reject();
      view.gone();
    });
    wrapUpDone.addEventListener('click', () => {
      wrapUpDone.disabled = true;
      void notes
        .flush()
        .then(() => ask<Ack>('wrap-up-done'))
        .then(
          (ack) => {
            if (ack.ok) return clearError();
            report(ack.field === 'disposition' ? tr.t('dispositionRequired') : ack.error);
          },
          report,
        )
        .finally(() => (wrapUpDone.disabled = false));
    });

    const view = {
      pop,
      notes,
      get status() {
        return status;
      },
      ring(at: number) {
        if (status === 'ringing') ring.start(at);
      },
      attach(incoming: IncomingCall) {
        phoneCall = incoming;
        call.attach(incoming);
        answer.disabled = reject.disabled = false;
        const at = localMoment(incoming.ringingSince.toISOString(), (settings.offerRingLimit + 1) * settings.ringCycleSeconds * 1000);
        if (at !== undefined) view.ring(at);
        incoming.onEnded(() => {
          if (phoneCall !== incoming) return;
          phoneCall = undefined;
          call.attach(undefined);
          answer.disabled = reject.disabled = true;
          if (status === 'ringing') view.gone();
        });
      },
      connected(at: number) {
        if (status !== 'ringing') return;
        status = 'connected';
        ring.stop();
        ringing.hidden = true;
        call.element.hidden = notes.element.hidden = false;
        call.started(at);
        notes.touch(); // the IVR's train number is stored with the call from the start
      },
      ended() {
        if (status === 'ringing') view.connected(Date.now());
        if (status !== 'connected') return;
        status = 'wrap-up';
        call.ended();
        wrapUpDone.hidden = false;
      },
      wrapUpOver() {
        status = 'done';
        wrapUpDone.hidden = true;
      },
      /** The offer went away before it was answered (withdrawn, rejected, the caller hung up). */
      gone() {
        if (status !== 'ringing') return;
        view.close();
        // No presence came with the offer's end (a caller hanging up frees the agent): back to available.
        if (bar.state === 'ringing') bar.show('available', null);
        if (current === view) {
          current = undefined;
          idle();
        }
      },
      close() {
        ring.stop();
        call.close();
        notes.close();
      },
    };
    return view;
  }

  function offered(pop: ScreenPop, restored?: NonNullable<Softphone['current']>) {
    if (current?.pop.callSid === pop.callSid) return current;
    current?.close(); // the notes of the call before are cleared by the next offer
    clearError();
    notice.textContent = '';
    const view = offerView(pop);
    current = view;
    // The ACD makes the agent `ringing` with the offer (and says so only through the offer itself).
    if (!restored || restored.offerStatus === 'ringing') bar.show('ringing', null);
    if (restored?.notes) view.notes.fill(restored.notes);
    if (!restored || restored.offerStatus === 'ringing') view.ring(Date.now());
    else {
      view.connected(localMoment(restored.answeredAt, LONGEST_CALL_MS) ?? Date.now());
      if (restored.offerStatus === 'completed') view.ended();
    }
    const mine = unclaimed.find((c) => !c.callSid || c.callSid === pop.callSid);
    unclaimed = unclaimed.filter((c) => c !== mine);
    if (mine) view.attach(mine);
    return view;
  }

  const incoming = (call: IncomingCall) => {
    // A connected call comes again after a reload: the page takes it back so it can still hang up.
    const live = current?.status === 'ringing' || current?.status === 'connected';
    if (current && live && (!call.callSid || call.callSid === current.pop.callSid)) current.attach(call);
    else {
      unclaimed.push(call);
      call.onEnded(() => (unclaimed = unclaimed.filter((c) => c !== call)));
    }
  };

  const mine = (callSid: string) => (current?.pop.callSid === callSid ? current : undefined);
  socket.on('presence', (p: { presence: string; reason: string | null }) => bar.show(p.presence, p.reason));
  socket.on('offer', (pop: ScreenPop) => offered(pop));
  socket.on('offer-withdrawn', ({ callSid, reason }: { callSid: string; reason: string }) => {
    const view = mine(callSid);
    if (view?.status !== 'ringing') return;
    view.gone();
    tr.label(notice, 'withdrawn', { reason });
  });
  socket.on('connected', ({ callSid }: { callSid: string }) => mine(callSid)?.connected(Date.now()));
  socket.on('ended', ({ callSid }: { callSid: string }) => mine(callSid)?.ended());
  socket.on('wrap-up-ended', () => current?.wrapUpOver());

  let everConnected = false;
  socket.on('connect', () => {
    connection.hidden = true;
    current?.notes.reconnected();
    if (everConnected) void resync();
    everConnected = true;
  });
  socket.on('disconnect', () => {
    connection.hidden = false;
    current?.notes.disconnected();
  });
  socket.on('connect_error', (err: Error) => {
    if (/unauthorized/.test(err.message)) void logOut().then(leave);
  });

  /** After a reconnect: what happened to the call while the socket was away. */
  async function resync() {
    const now = await api<Softphone>('/api/softphone').catch(() => undefined);
    if (!now) return;
    const live = now.current;
    if (!live) {
      if (current?.status === 'ringing') return current.gone();
      current?.ended();
      return current?.wrapUpOver();
    }
    const view = offered(live.screenPop, live);
    if (live.offerStatus !== 'ringing') view.connected(Date.now());
    if (live.offerStatus === 'completed') view.ended();
  }

  if (settings.current) offered(settings.current.screenPop, settings.current);
  openPhone(settings, token).then(
    (p) => {
      phone = p;
      p.onIncoming(incoming);
    },
    (err: unknown) => report(tr.t('phoneUnavailable', { error: err instanceof Error ? err.message : String(err) })),
  );
  return finished;
}
