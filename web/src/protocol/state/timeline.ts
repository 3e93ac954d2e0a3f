/**
 * The messages slice: the durable timeline (messages and membership lines)
 * in seq order, exactly once, plus quiet notes; history pages prepend.
 */
import type { HistoryPage, RoomEvent } from '../../api/models';
import { participantName, type RoomState, type TimelineItem } from './types';

/** `before_seq` for the next older page. */
export function historyCursor(state: RoomState): number {
  return state.oldestSeq || state.lastSeq + 1;
}

/**
 * The timeline item for a durable event, or null when it shows nothing.
 * `names` resolves ids for events (removals) that carry none.
 */
export function durableItem(
  event: RoomEvent,
  names: (id: string) => string,
  previousName: string,
): TimelineItem | null {
  const key = `seq-${event.seq}`;
  const base = { key, seq: event.seq, atMs: event.atMs };
  switch (event.type) {
    case 'message':
      return { kind: 'message', key, seq: event.seq, message: event.message };
    case 'participantJoined': {
      const p = event.participant;
      const text =
        p.kind === 'persona'
          ? `${p.name || 'A persona'}${p.title ? `, ${p.title},` : ''} joined the room`
          : `${p.name || 'Someone'} joined`;
      return { kind: 'system', ...base, text };
    }
    case 'participantUpdated': {
      const p = event.participant;
      return { kind: 'system', ...base, text: `${p.name || 'A participant'} was updated` };
    }
    case 'participantRemoved': {
      const name = names(event.participantId);
      return { kind: 'system', ...base, text: `${name || 'A participant'} left the room` };
    }
    case 'roomUpdated': {
      const text =
        event.name && event.name !== previousName
          ? `The room is now called “${event.name}”`
          : 'The room description changed';
      return { kind: 'system', ...base, text };
    }
    default:
      return null;
  }
}

/** A welcome whose backlog starts after events we never saw: start over from there. */
export function restartTimeline(state: RoomState, replayAfterSeq: number, truncated: boolean): RoomState {
  return {
    ...state,
    lastSeq: replayAfterSeq,
    oldestSeq: 0,
    timeline: [],
    timelineEpoch: state.timelineEpoch + 1,
    hasMoreBefore: replayAfterSeq > 0 || truncated,
    loadingHistory: false,
  };
}

/** Appends a durable event (the caller checked its seq is new). */
export function appendDurable(state: RoomState, event: RoomEvent): RoomState {
  const item = durableItem(event, (id) => participantName(state, id), state.name);
  const oldestSeq = state.oldestSeq ? Math.min(state.oldestSeq, event.seq) : event.seq;
  const next: RoomState = {
    ...state,
    lastSeq: event.seq,
    oldestSeq,
    timeline: item ? [...state.timeline, item] : state.timeline,
  };
  if (oldestSeq === 1) next.hasMoreBefore = false;
  if (event.type === 'roomUpdated') {
    next.name = event.name;
    next.description = event.description;
  }
  return next;
}

export function addNote(state: RoomState, text: string, tone: 'muted' | 'error', atMs: number): RoomState {
  const note: TimelineItem = {
    kind: 'note',
    key: `note-${state.nextNoteId}`,
    seq: state.lastSeq,
    atMs,
    text,
    tone,
  };
  return { ...state, timeline: [...state.timeline, note], nextNoteId: state.nextNoteId + 1 };
}

export function historyLoading(state: RoomState): RoomState {
  return state.loadingHistory ? state : { ...state, loadingHistory: true };
}

export function applyHistory(state: RoomState, epoch: number, page: HistoryPage): RoomState {
  if (epoch !== state.timelineEpoch) return { ...state, loadingHistory: false };
  const cursor = historyCursor(state);
  const seen = new Set<number>();
  const items: TimelineItem[] = [];
  let oldest = state.oldestSeq;
  const names = (id: string) => participantName(state, id);
  const sorted = page.events.filter((e) => e.seq > 0 && e.seq < cursor).sort((a, b) => a.seq - b.seq);
  for (const e of sorted) {
    if (seen.has(e.seq)) continue;
    seen.add(e.seq);
    oldest = oldest ? Math.min(oldest, e.seq) : e.seq;
    const item = durableItem(e, names, '');
    if (item) items.push(item);
  }
  const hasMoreBefore = page.hasMore && sorted.length > 0 && oldest !== 1;
  return {
    ...state,
    timeline: [...items, ...state.timeline],
    oldestSeq: oldest,
    hasMoreBefore,
    loadingHistory: false,
  };
}
