import { ApiError, type Session } from '../shared/session.ts';
import { caseBoard as fetchBoard, caseDesk as fetchDesk, caseDetail, caseStaff, caseSummary, type CaseAlert, type CaseChanged, type CaseDesk, type Person } from './case-api.ts';
import { caseBoard } from './case-board.ts';
import type { DeskContext } from './case-context.ts';
import { caseDetailView } from './case-detail.ts';
import { caseFigures } from './case-figures.ts';
import { useTimeZone } from './case-words.ts';

/**
 * The case desk on the dashboard: the figures per type, the board and the open case, kept current. The
 * supervisors' and managers' page feeds it the `/managers` socket's `case-changed` and `case-alert`; every
 * page (the trainers' too, which has no socket) also reads it all again every 30 s.
 */
export type CaseDeskPanels = {
  figures: HTMLElement;
  board: HTMLElement;
  detail: HTMLElement;
  changed(change: CaseChanged): void;
  alert(alert: CaseAlert): void;
  /** Everything read again (after a reconnection, when events may have been missed). */
  refresh(): void;
  relabel(): void;
  stop(): void;
};

const EVERY_MS = 30_000;
/** Events come in bursts (an action announces the case and the figures move): one read answers them all. */
const SETTLE_MS = 150;

export function caseDeskPanels(session: Session, options: { readOnly: boolean; ended(): void }): CaseDeskPanels {
  // A session that has ended shows the login again (the trainers' page has no socket to notice it first).
  let ended = false;
  const message = (err: unknown) => {
    if (err instanceof ApiError && err.status === 401 && !ended) {
      ended = true;
      stop();
      options.ended();
    }
    return err instanceof Error ? err.message : String(err);
  };

  let desk: CaseDesk | undefined;
  let staff: Person[] = [];
  const ctx: DeskContext = { desk: () => desk, staff: () => staff, me: session.staff, readOnly: options.readOnly, open };

  const figures = caseFigures();
  const board = caseBoard(ctx, () => void loadBoard());
  const detail = caseDetailView(ctx, {
    closed: () => board.select(null),
    acted: (d) => {
      detail.show(d);
      soon();
    },
    stale: () => void loadDetail(),
  });

  // A reply that arrives after a later request was made is dropped: the later one is what the page asked for.
  let boardAsked = 0;
  let detailAsked = 0;

  /** The desk's configuration (and whom a case may go to), once: the board and a case wait for its time zone. */
  async function loadDesk() {
    if (desk) return;
    try {
      const [read, assignable] = await Promise.all([fetchDesk(), options.readOnly ? [] : caseStaff()]);
      useTimeZone(read.timeZone);
      [desk, staff] = [read, assignable];
      board.choices(desk);
    } catch (err) {
      board.failed(message(err));
    }
  }

  async function loadSummary() {
    try {
      figures.show(await caseSummary());
    } catch (err) {
      figures.failed(message(err));
    }
  }

  async function loadBoard() {
    const asked = ++boardAsked;
    try {
      const page = await fetchBoard(board.filter());
      if (asked !== boardAsked) return;
      board.failed(null);
      board.show(page);
    } catch (err) {
      if (asked === boardAsked) board.failed(message(err));
    }
  }

  async function loadDetail() {
    const reference = detail.reference();
    if (!reference) return;
    const asked = ++detailAsked;
    try {
      const found = await caseDetail(reference);
      if (asked === detailAsked) detail.show(found);
    } catch (err) {
      if (asked === detailAsked) detail.failed(message(err));
    }
  }

  function refresh() {
    void loadSummary();
    void loadDesk().then(() => {
      if (!desk) return; // said on the board; the next refresh asks again
      void loadBoard();
      void loadDetail();
    });
  }

  let settling: ReturnType<typeof setTimeout> | undefined;
  function soon() {
    clearTimeout(settling);
    settling = setTimeout(refresh, SETTLE_MS);
  }

  function open(reference: string) {
    detail.loading(reference);
    board.select(reference);
    void loadDetail();
    detail.root.scrollIntoView({ block: 'nearest' });
  }

  function relabel() {
    figures.redraw();
    board.redraw();
    detail.redraw();
  }

  refresh();
  const every = setInterval(refresh, EVERY_MS);
  function stop() {
    clearInterval(every);
    clearTimeout(settling);
  }

  return {
    figures: figures.root,
    board: board.root,
    detail: detail.root,
    changed: () => soon(),
    alert(a) {
      board.alert(a);
      soon();
    },
    refresh,
    relabel,
    stop,
  };
}
