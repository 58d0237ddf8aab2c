import { ask, connectTo } from '../shared/socket.ts';
import { el } from '../shared/dom.ts';
import { api, ApiError, logOut, type Session } from '../shared/session.ts';
import { callPanel } from './call.ts';
import { callbackOf, callbackPanel, type CallbackEvent } from './callback.ts';
import { caseAlerts } from './case-alerts.ts';
import { coachingPanel } from './coaching.ts';
import { callCases } from './case-form.ts';
import { callBackCase, caseDesk, message } from './cases-api.ts';
import { tr } from './i18n.ts';
import { foundItemsPanel } from './found-register.ts';
import { casesPanel } from './my-cases.ts';
import { notesForm } from './notes.ts';
import { openPhone, type IncomingCall, type Phone } from './phone.ts';
import { presenceBar } from './presence.ts';
import { ringer } from './ring.ts';
import { screenPopCard } from './screen-pop.ts';
import { localMoment, type NotesInput, type ScreenPop, type Softphone } from './softphone.ts';

type Status = 'ringing' | 'dialling' | 'connected' | 'wrap-up' | 'done';

/** Used when GET /api/softphone cannot answer: the hotline's defaults. */
const FALLBACK: Softphone = { carrier: 'simulator', identity: '', ringCycleSeconds: 5, offerRingLimit: 4, standardRings: 3, queues: [], departments: [], current: null };
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
  // The case desk too, meanwhile: its time zone is the one every case time (a due time, a previous call) is shown in.
  const desk = caseDesk().catch(() => undefined); // unread, times are on this computer's clock until a later read succeeds
  try {
    settings = await api<Softphone>('/api/softphone');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    report(err);
  }
  await desk;

  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const socket = connectTo('/agents', token, { reconnectionDelayMax: 2_000 });
  // The trainer's coaching notes sit above the desk, outside what the desk redraws.
  const coaching = coachingPanel(socket);
  root.before(coaching.element);
  let phone: Phone | undefined;
  const leave = () => {
    coaching.element.remove();
    current?.close();
    cases.close();
    found.close();
    socket.disconnect();
    phone?.close();
    finish();
  };

  const bar = presenceBar(
    staff,
    (choice) => {
      ask(socket, 'presence', choice).then((ack) => {
        if (!ack.ok) return report(ack.field === 'disposition' ? tr.t('dispositionRequired') : ack.error);
        clearError();
        bar.show(ack.presence ?? choice.state, choice.state === 'break' ? (choice.reason ?? null) : null);
      }, report);
    },
    () => void logOut().then(leave),
  );
  const connection = tr.label(el('p', { class: 'connection', hidden: true }), 'disconnected');
  const notice = el('p', { class: 'notice', 'data-testid': 'notice' });
  const stage = el('div', { class: 'stage', role: 'tabpanel' });
  const idle = () => stage.replaceChildren(tr.label(el('p', { class: 'idle muted', 'data-testid': 'idle' }), 'idle'));

  // --- the case desk: "My cases" and the found-items register beside the phone, and the alerts over all ------
  const casesCount = el('span', { class: 'count', 'data-testid': 'cases-count' });
  const phoneTab = tr.label(el('button', { type: 'button', role: 'tab', 'data-testid': 'tab-phone', 'aria-selected': 'true' }), 'tabPhone');
  const casesTab = el('button', { type: 'button', role: 'tab', 'data-testid': 'tab-cases', 'aria-selected': 'false' }, tr.label(el('span'), 'tabCases'), ' ', casesCount);
  const foundTab = tr.label(el('button', { type: 'button', role: 'tab', 'data-testid': 'tab-found', 'aria-selected': 'false' }), 'tabFound');
  const cases = casesPanel({ staff, callSid: () => (current?.status === 'connected' || current?.status === 'wrap-up' ? current.pop.callSid || undefined : undefined), callBack }, (open, overdue) => {
    tr.label(casesCount, 'casesCount', { n: open, overdue });
    casesCount.dataset['overdue'] = String(overdue);
  });
  cases.element.setAttribute('role', 'tabpanel');
  const openCase = (reference: string) => {
    showTab('cases');
    void cases.open(reference);
  };
  const found = foundItemsPanel(staff, openCase);
  found.element.setAttribute('role', 'tabpanel');
  const showTab = (tab: 'phone' | 'cases' | 'found') => {
    const wasFound = !found.element.hidden;
    stage.hidden = tab !== 'phone';
    cases.element.hidden = tab !== 'cases';
    found.element.hidden = tab !== 'found';
    phoneTab.setAttribute('aria-selected', String(tab === 'phone'));
    casesTab.setAttribute('aria-selected', String(tab === 'cases'));
    foundTab.setAttribute('aria-selected', String(tab === 'found'));
    // The register changes without telling this page (finds recorded elsewhere): read it whenever it comes in sight.
    if (tab === 'found' && !wasFound) void found.refresh();
  };
  phoneTab.addEventListener('click', () => showTab('phone'));
  casesTab.addEventListener('click', () => showTab('cases'));
  foundTab.addEventListener('click', () => showTab('found'));
  const alerts = caseAlerts(openCase);
  found.element.hidden = true;
  root.replaceChildren(bar.element, connection, error, notice, alerts.element, el('nav', { class: 'tabs', role: 'tablist' }, phoneTab, casesTab, foundTab), stage, cases.element, found.element);
  showTab('phone');
  idle();
  void cases.refresh();


  // --- the offer in hand ---------------------------------------------------------------------------------
  type Current = ReturnType<typeof offerView>;
  let current: Current | undefined;
  let unclaimed: IncomingCall[] = []; // the phone rang before the screen-pop arrived
  /** `callback` events heard before their offer (a call back from a case tells of its call before its 202). */
  const early = new Map<number, CallbackEvent>();
  /** The case being called back from the case view, until the hotline answers. */
  let callingBack: string | undefined;

  function offerView(offered: ScreenPop) {
    // The page's own copy: a callback's call is placed after the offer, and its sid is filled in then.
    const pop: ScreenPop = { ...offered };
    const callback = callbackOf(pop);
    let status: Status = 'ringing';
    let phoneCall: IncomingCall | undefined;
    /** Call back pressed, the hotline not yet answered: the passenger's leg may come meanwhile. */
    let accepting = false;
    /** The notes start saved (the IVR's train number) once there is a call to save them with. */
    let touchPending = false;
    const ring = ringer(settings.ringCycleSeconds, settings.standardRings);
    const answer = tr.label(el('button', { type: 'button', class: 'primary', 'data-testid': 'answer' }), 'answer');
    const reject = tr.label(el('button', { type: 'button', class: 'danger', 'data-testid': 'reject' }), 'reject');
    // Enabled once the phone itself rings (the screen-pop may come a moment earlier).
    answer.disabled = reject.disabled = true;
    const offerButtons = el('div', { class: 'controls offer-buttons' }, answer, reject);
    const ringing = el('section', { class: 'ringing card' }, tr.label(el('h2'), 'incoming'), ring.element, offerButtons);
    const card = callback ? callbackPanel(callback, ring.element) : undefined;
    const call = callPanel(pop.language, staff.employeeNo, report, {
      callbackReference: callback?.reference,
      queues: settings.queues.filter((q) => q !== pop.queue),
      departments: settings.departments,
    });
    const save = (notes: NotesInput & { callSid: string }) => ask(socket, 'notes', notes);
    const notes = notesForm(() => pop.callSid, save, () => socket.connected, report, clearError);
    notes.fill({ trainNumber: pop.answers['trainNumber'] ?? '' });
    const filed = callCases(pop, notes, openCase);
    const wrapUpDone = tr.label(el('button', { type: 'button', class: 'primary', 'data-testid': 'wrap-up-done', hidden: true }), 'wrapUpDone');
    const popCard = screenPopCard(pop, openCase);
    call.element.hidden = notes.element.hidden = filed.element.hidden = true;
    stage.replaceChildren(
      el('div', { class: 'desk' }, el('div', { class: 'column' }, card?.element ?? ringing, popCard), el('div', { class: 'column' }, call.element, notes.element, filed.element, wrapUpDone)),
    );

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
    if (card) {
      // Call back / Not now: the hotline's answer decides (the offer may have been withdrawn meanwhile).
      const decide = (event: 'callback-accept' | 'callback-reject', done: () => void) => {
        card.busy(true);
        accepting = event === 'callback-accept';
        const failed = (err: unknown) => {
          accepting = false;
          if (status === 'ringing') card.busy(false);
          report(err);
        };
        ask(socket, event, { offerId: pop.offerId }).then((ack) => {
          if (!ack.ok) return failed(ack.error);
          accepting = false;
          clearError();
          done();
        }, failed);
      };
      card.accept.addEventListener('click', () => decide('callback-accept', () => view.dialling()));
      card.reject.addEventListener('click', () => decide('callback-reject', () => view.gone()));
    }
    wrapUpDone.addEventListener('click', () => {
      wrapUpDone.disabled = true;
      void notes
        .flush()
        .then(() => ask(socket, 'wrap-up-done'))
        .then(
          (ack) => {
            if (ack.ok) return clearError();
            report(ack.field === 'disposition' ? tr.t('dispositionRequired') : ack.error);
          },
          report,
        )
        .finally(() => (wrapUpDone.disabled = false));
    });

    /** The passenger's leg: while their callback is being dialled, the agent has already said yes. */
    const dialledLeg = (c: IncomingCall) => (c.offerId !== undefined ? c.offerId === pop.offerId : !c.callSid || !pop.callSid || c.callSid === pop.callSid);

    const view = {
      pop,
      notes,
      filed,
      callback,
      get status() {
        return status;
      },
      /** Whether a leg the phone rings (or rang again after a reload) belongs to this offer. */
      wants(c: IncomingCall): boolean {
        if (!callback) return (status === 'ringing' || status === 'connected') && (c.offerId !== undefined ? c.offerId === pop.offerId : !c.callSid || c.callSid === pop.callSid);
        if (status === 'dialling' || (status === 'ringing' && accepting)) return dialledLeg(c);
        return status === 'connected' && !!pop.callSid && (!c.callSid || c.callSid === pop.callSid);
      },
      ring(at: number) {
        if (status === 'ringing') ring.start(at);
      },
      attach(incoming: IncomingCall) {
        phoneCall = incoming;
        call.attach(incoming);
        incoming.onEnded(() => {
          if (phoneCall !== incoming) return;
          phoneCall = undefined;
          call.attach(undefined);
          answer.disabled = reject.disabled = true;
          if (status === 'ringing' && !callback) view.gone();
        });
        if (callback) {
          // The hotline rings the agent once the passenger answers: answered at once, as the agent asked.
          if (status === 'dialling' || (status === 'ringing' && accepting)) {
            incoming.accept().then(() => view.connected(Date.now()), report);
          }
          return;
        }
        answer.disabled = reject.disabled = false;
        const at = localMoment(incoming.ringingSince.toISOString(), (settings.offerRingLimit + 1) * settings.ringCycleSeconds * 1000);
        if (at !== undefined) view.ring(at);
      },
      /** The call placed to the passenger is known (a callback's): notes and cases are bound to it from now. */
      placed(callSid: string | null | undefined) {
        if (!callSid || pop.callSid === callSid) return;
        pop.callSid = callSid;
        popCard.dataset['callSid'] = callSid;
        if (touchPending) {
          touchPending = false;
          notes.touch();
        }
        notes.reconnected(); // whatever was typed before waits for the call to be saved with
      },
      /** A callback accepted: the hotline dials the passenger. */
      dialling() {
        if (!card || status !== 'ringing') return;
        status = 'dialling';
        ring.stop();
        card.dialling();
        const leg = unclaimed.find(dialledLeg);
        if (leg) {
          unclaimed = unclaimed.filter((c) => c !== leg);
          view.attach(leg);
        }
      },
      /** How the call to the passenger goes. */
      progress(e: CallbackEvent) {
        view.placed(e.callSid);
        if (e.stage === 'unreached') return view.unreached(e);
        if (status === 'ringing') view.dialling();
        if (e.stage === 'answered' && status === 'dialling') card?.answered();
      },
      unreached(e: CallbackEvent) {
        if (status !== 'ringing' && status !== 'dialling') return;
        status = 'done';
        ring.stop();
        card?.unreached(e);
        // The agent is free again: the hotline says so with a presence event.
      },
      connected(at: number) {
        if (status !== 'ringing' && status !== 'dialling') return;
        status = 'connected';
        ring.stop();
        ringing.hidden = true;
        card?.connected();
        call.element.hidden = notes.element.hidden = filed.element.hidden = false;
        call.started(at);
        // The IVR's train number is stored with the call from the start (once the call is there to store it with).
        if (pop.callSid) notes.touch();
        else touchPending = true;
      },
      ended() {
        if (status === 'ringing' || status === 'dialling') view.connected(Date.now());
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

  /**
   * Shows an offer: ringing (a call, or a callback to preview), or as it is now after a reload. A callback the
   * agent started from a case (`dialling`) shows straight as being dialled.
   */
  function offered(pop: ScreenPop, restored?: NonNullable<Softphone['current']>, dialling = false) {
    if (current?.pop.offerId === pop.offerId) return current;
    current?.close(); // the notes of the call before are cleared by the next offer
    clearError();
    notice.textContent = '';
    const view = offerView(pop);
    current = view;
    showTab('phone'); // a call comes before whatever case the agent was reading
    const state = restored ? String(restored.offerStatus) : 'ringing';
    const startsDialling = !!view.callback && (dialling || state === 'dialling' || callingBack === view.callback.reference);
    if (restored?.notes) view.notes.fill(restored.notes);
    if (startsDialling) view.dialling();
    else if (state === 'ringing') {
      // The ACD makes the agent `ringing` with the offer (and says so only through the offer itself).
      bar.show('ringing', null);
      view.ring(Date.now());
    } else {
      view.connected(localMoment(restored?.answeredAt, LONGEST_CALL_MS) ?? Date.now());
      if (state === 'completed') view.ended();
    }
    if (!view.callback) {
      const mine = unclaimed.find((c) => view.wants(c));
      unclaimed = unclaimed.filter((c) => c !== mine);
      if (mine) view.attach(mine);
    }
    const heard = early.get(pop.offerId);
    early.clear();
    if (heard) view.progress(heard);
    return view;
  }

  /** "Call back" on a case: the hotline calls its passenger now, for this agent; the refusal, if refused. */
  async function callBack(reference: string): Promise<string | undefined> {
    callingBack = reference;
    try {
      const started = await callBackCase(reference);
      offered(started.screenPop, undefined, true);
      return undefined;
    } catch (err) {
      return message(err);
    } finally {
      callingBack = undefined;
    }
  }

  const incoming = (call: IncomingCall) => {
    // A connected call comes again after a reload: the page takes it back so it can still hang up.
    if (current?.wants(call)) current.attach(call);
    else {
      unclaimed.push(call);
      call.onEnded(() => (unclaimed = unclaimed.filter((c) => c !== call)));
      if (call.consultOfferId !== undefined) consulted(call);
    }
  };

  /**
   * A colleague asks this agent in on their call (their caller is on hold). Answering joins the talk; if the
   * colleague then hands the caller over, the call arrives as this agent's own (its screen-pop) and keeps
   * this leg.
   */
  function consulted(call: IncomingCall) {
    const take = tr.label(el('button', { type: 'button', class: 'primary', 'data-testid': 'answer-consult' }), 'answerConsult');
    take.addEventListener('click', () => {
      take.disabled = true;
      call.accept().then(() => {
        tr.label(notice, 'inConsult');
        notice.dataset['consult'] = String(call.consultOfferId);
      }, (err: unknown) => {
        take.disabled = false;
        report(err);
      });
    });
    const shown = el('span', { 'data-testid': 'consult' }, tr.label(el('span'), 'consultRinging'), ' ', take);
    notice.replaceChildren(shown);
    call.onEnded(() => {
      if (notice.contains(shown) || notice.dataset['consult'] === String(call.consultOfferId)) notice.replaceChildren();
    });
  }

  /** The offer an event is about: by its offer (a callback has no call at first), else by its call. */
  const mine = (e: { offerId?: number; callSid?: string | null }) => {
    if (!current) return undefined;
    if (typeof e.offerId === 'number') return current.pop.offerId === e.offerId ? current : undefined;
    return e.callSid && current.pop.callSid === e.callSid ? current : undefined;
  };
  // Each event's payload is the one src/realtime/events.ts declares for /agents.
  socket.on('presence', (p) => bar.show(p.presence, p.reason));
  socket.on('offer', (pop) => offered(pop));
  socket.on('offer-withdrawn', (e) => {
    const view = mine(e);
    if (view?.status !== 'ringing') return;
    view.gone();
    tr.label(notice, view.callback ? 'callbackWithdrawn' : 'withdrawn', { reason: e.reason });
  });
  socket.on('callback', (e) => {
    const view = mine(e);
    if (view) return view.progress(e);
    early.set(e.offerId, e);
  });
  socket.on('connected', (e) => {
    const view = mine(e);
    if (!view) return;
    if (view.callback) view.placed(e.callSid);
    view.connected(Date.now());
  });
  socket.on('ended', (e) => mine(e)?.ended());
  socket.on('wrap-up-ended', () => current?.wrapUpOver());
  socket.on('case-changed', (c) => {
    cases.changed(c.reference);
    current?.filed.changed(c);
    if (c.type === 'lost-item') found.changed();
  });
  socket.on('case-alert', (a) => {
    alerts.show(a);
    cases.changed(a.reference);
  });

  let everConnected = false;
  socket.on('connect', () => {
    connection.hidden = true;
    current?.notes.reconnected();
    // The cases list may have changed unheard: while the socket was away, or, on the first connect, between
    // the list's first load and the socket joining its room (a case made then was told to nobody).
    cases.resync();
    if (everConnected) void resync();
    everConnected = true;
  });
  socket.on('disconnect', () => {
    connection.hidden = false;
    current?.notes.disconnected();
  });
  socket.on('connect_error', (err) => {
    if (/unauthorized/.test(err.message)) void logOut().then(leave);
  });

  /** After a reconnect: what happened to the call while the socket was away. */
  async function resync() {
    const now = await api<Softphone>('/api/softphone').catch(() => undefined);
    if (!now) return;
    const live = now.current;
    if (!live) {
      if (current?.status === 'ringing') return current.gone();
      if (current?.status === 'dialling') return; // the callback's own events tell how it went
      current?.ended();
      return current?.wrapUpOver();
    }
    const view = offered(live.screenPop, live);
    const state = String(live.offerStatus);
    if (view.callback && live.screenPop.callSid) view.placed(live.screenPop.callSid);
    if (state === 'connected' || state === 'completed') view.connected(Date.now());
    if (state === 'completed') view.ended();
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
