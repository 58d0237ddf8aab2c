import type { NodeOf } from '../flow.ts';
import type { Move, Walk } from '../types.ts';
import { isOpen } from '../hours.ts';

/** The nodes that speak or branch without waiting for the caller. */

export function say(node: NodeOf<'say'>, w: Walk): Move {
  w.said.push(...w.speak(node.prompt));
  return { goto: node.next };
}

export function goto(node: NodeOf<'goto'>): Move {
  return { goto: node.next };
}

export function announcement(node: NodeOf<'announcement'>, w: Walk): Move {
  if (w.ctx.announcement) {
    w.said.push(...w.speak(w.ctx.announcement));
    w.events.push({ type: 'ivr.announcement', data: {} });
  }
  return { goto: node.next };
}

export function hours(node: NodeOf<'hours'>, w: Walk): Move {
  const open = isOpen(node, w.ctx.now, w.ctx.timeZone);
  w.events.push({ type: 'ivr.hours', data: { open } });
  return { goto: open ? node.whenOpen : node.whenClosed };
}

export function queue(node: NodeOf<'queue'>, w: Walk): Move {
  w.said.push(...w.speak(node.prompt));
  w.events.push({ type: 'ivr.queue', data: { queue: node.queue, priority: node.priority } });
  return { stop: { kind: 'queue', queue: node.queue, priority: node.priority } };
}

export function hangup(node: NodeOf<'hangup'>, w: Walk): Move {
  w.said.push(...w.speak(node.prompt));
  return { stop: { kind: 'hangup' } };
}
