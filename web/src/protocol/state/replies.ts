/**
 * The replies slice: persona replies streaming now, the personas asked by a
 * message who still wait for their turn, and how answers that left no
 * message ended (declined with a reason, failed, stopped).
 *
 * The protocol says when a reply starts (its turn came), streams and ends;
 * who waits is derived from the asking message the way the room decides it
 * (docs/protocol.md, "Mentions and persona replies"): `@all`/`@everyone`
 * asks every persona, else the personas mentioned, else replying to a
 * persona's message asks that persona; several answer one after another.
 */
import type { Message, Participant, RoomEvent, Welcome } from '../../api/models';
import { rememberTiming } from '../replyTimings';
import { addNote } from './timeline';
import {
  participantName,
  type AnswerOutcome,
  type QueuedTurn,
  type RoomState,
  type StreamingReply,
} from './types';

const MAX_FINISHED_REPLIES = 500;
/** A waiting turn whose predecessor ended this long ago without it starting was stopped. */
export const QUEUE_IDLE_MS = 8000;
const MAX_OUTCOMES = 300;
const MAX_STOPPED = 100;
const EVERYONE = /(^|[^\p{L}\p{N}_])@(all|everyone)(?![\p{L}\p{N}_])/iu;

export function outcomeKey(triggerId: string, personaId: string): string {
  return `${triggerId}|${personaId}`;
}

/** Replies still streaming (not the ones only waiting for their message). */
export function liveReplies(state: RoomState): StreamingReply[] {
  return state.replies.filter((r) => r.awaitingSeq === 0);
}

export function mentionsEveryone(text: string): boolean {
  return EVERYONE.test(text);
}

/** The personas a person's message asks, in the order they answer. */
export function personasAsked(
  m: Message,
  participants: readonly Participant[],
  lookup: (id: string) => Message | undefined,
): string[] {
  if (m.authorKind === 'persona') return [];
  const personas = participants.filter((p) => p.kind === 'persona');
  if (mentionsEveryone(m.text)) return personas.map((p) => p.id);
  if (m.mentionIds.length) {
    const asked = new Set(m.mentionIds);
    return personas.filter((p) => asked.has(p.id)).map((p) => p.id);
  }
  if (m.replyToId) {
    const target = lookup(m.replyToId);
    if (target?.authorKind === 'persona' && personas.some((p) => p.id === target.authorId)) return [target.authorId];
  }
  return [];
}

function markFinished(state: RoomState, replyId: string): string[] {
  if (!replyId || state.finishedReplyIds.includes(replyId)) return state.finishedReplyIds;
  return [...state.finishedReplyIds, replyId].slice(-MAX_FINISHED_REPLIES);
}

function dequeue(queue: QueuedTurn[], triggerId: string, personaId: string, andBefore: boolean): QueuedTurn[] {
  let changed = false;
  const next: QueuedTurn[] = [];
  for (const turn of queue) {
    if (turn.triggerId !== triggerId) {
      next.push(turn);
      continue;
    }
    const i = turn.personaIds.indexOf(personaId);
    if (i < 0) {
      next.push(turn);
      continue;
    }
    changed = true;
    const rest = andBefore ? turn.personaIds.slice(i + 1) : turn.personaIds.filter((id) => id !== personaId);
    if (rest.length) next.push({ triggerId, personaIds: rest, idleSince: 0 });
  }
  return changed ? next : queue;
}

export function repliesFromWelcome(state: RoomState, w: Welcome, gap: boolean): RoomState {
  const previous = new Map(state.replies.map((r) => [r.replyId, r]));
  const replies: StreamingReply[] = w.activeReplies
    .filter((r) => r.replyId)
    .map((r) => ({
      replyId: r.replyId,
      personaId: r.personaId,
      inReplyToId: r.inReplyToId,
      depth: previous.get(r.replyId)?.depth ?? 0,
      text: r.text,
      stopping: previous.get(r.replyId)?.stopping ?? false,
      awaitingSeq: 0,
    }));
  let queue = gap ? [] : state.queue;
  for (const r of replies) queue = dequeue(queue, r.inReplyToId, r.personaId, true);
  return { ...state, replies, queue, welcomeSeq: w.room.lastSeq };
}

/** A stored message: it replaces its stream; a live person's message may queue personas. */
export function repliesOnMessage(state: RoomState, m: Message, seq: number): RoomState {
  let next = state;
  if (state.replies.some((r) => r.replyId === m.id)) {
    next = {
      ...next,
      replies: state.replies.filter((r) => r.replyId !== m.id),
      finishedReplyIds: markFinished(state, m.id),
    };
  }
  if (seq > state.welcomeSeq && state.joined) {
    const byId = (id: string) => {
      for (const item of state.timeline) if (item.kind === 'message' && item.message.id === id) return item.message;
      return undefined;
    };
    const asked = personasAsked(m, state.participants, byId);
    if (asked.length) next = { ...next, queue: [...next.queue, { triggerId: m.id, personaIds: asked, idleSince: 0 }] };
  }
  return next;
}

export function replyStarted(state: RoomState, event: Extract<RoomEvent, { type: 'replyStarted' }>): RoomState {
  if (!event.replyId || state.finishedReplyIds.includes(event.replyId)) return state;
  const existing = state.replies.find((r) => r.replyId === event.replyId);
  const reply: StreamingReply = {
    replyId: event.replyId,
    personaId: event.personaId,
    inReplyToId: event.inReplyToId,
    depth: event.depth,
    text: existing?.text ?? '',
    stopping: existing?.stopping ?? false,
    awaitingSeq: 0,
  };
  return {
    ...state,
    replies: existing
      ? state.replies.map((r) => (r.replyId === reply.replyId ? reply : r))
      : [...state.replies, reply],
    // Those before it in the queue declined or were skipped; they are not waiting any more.
    queue: dequeue(state.queue, event.inReplyToId, event.personaId, true),
  };
}

export function queueExpired(state: RoomState, now: number): RoomState {
  const kept = state.queue.filter((q) => q.idleSince === 0 || now - q.idleSince < QUEUE_IDLE_MS);
  return kept.length === state.queue.length ? state : { ...state, queue: kept };
}

export function replyDelta(state: RoomState, event: Extract<RoomEvent, { type: 'replyDelta' }>): RoomState {
  if (!event.replyId || state.finishedReplyIds.includes(event.replyId)) return state;
  const i = state.replies.findIndex((r) => r.replyId === event.replyId);
  if (i < 0) {
    // Its ReplyStarted never reached us; show it anyway.
    const reply: StreamingReply = {
      replyId: event.replyId,
      personaId: '',
      inReplyToId: '',
      depth: 0,
      text: event.text,
      stopping: false,
      awaitingSeq: 0,
    };
    return { ...state, replies: [...state.replies, reply] };
  }
  const replies = state.replies.slice();
  const r = replies[i]!;
  replies[i] = { ...r, text: r.text + event.text };
  return { ...state, replies };
}

export function replyStopping(state: RoomState, replyId: string): RoomState {
  const stopped = replyId
    ? [replyId]
    : state.replies.filter((r) => r.awaitingSeq === 0).map((r) => r.replyId);
  return {
    ...state,
    replies: state.replies.map((r) => (!replyId || r.replyId === replyId ? { ...r, stopping: true } : r)),
    // Stopping everything also stops the ones waiting their turn (they never start).
    queue: replyId ? state.queue : [],
    stoppedByYou: [...state.stoppedByYou.filter((id) => !stopped.includes(id)), ...stopped].slice(-MAX_STOPPED),
  };
}

/** The words for an answer that ended without a message (or with a stop). */
export function outcomeText(
  who: string,
  event: Extract<RoomEvent, { type: 'replyEnded' }>,
  byYou: boolean,
): AnswerOutcome | null {
  switch (event.outcome) {
    case 'declined':
      return { text: `${who} chose not to answer${event.reason ? ` — ${event.reason}` : ''}`, tone: 'muted' };
    case 'failed': {
      const why = event.error?.message;
      return { text: `${who} could not answer${why ? `: ${why}` : ''}`, tone: 'error' };
    }
    case 'interrupted':
      return { text: `${who} was stopped${byYou ? ' by you' : ''} before saying anything`, tone: 'muted' };
    default:
      return null;
  }
}

function rememberOutcome(
  outcomes: Readonly<Record<string, AnswerOutcome>>,
  key: string,
  outcome: AnswerOutcome,
): Record<string, AnswerOutcome> {
  const entries = Object.entries(outcomes).filter(([k]) => k !== key);
  entries.push([key, outcome]);
  return Object.fromEntries(entries.slice(-MAX_OUTCOMES));
}

export function replyEnded(
  state: RoomState,
  event: Extract<RoomEvent, { type: 'replyEnded' }>,
  now: number,
): RoomState {
  const reply = state.replies.find((r) => r.replyId === event.replyId);
  const personaId = event.personaId || reply?.personaId || '';
  const stored = event.messageSeq > 0;
  const messageStillComing = stored && event.messageSeq > state.lastSeq;

  let next: RoomState = {
    ...state,
    finishedReplyIds: markFinished(state, event.replyId),
    replyTimings: rememberTiming(state.replyTimings, event.replyId, event.timing),
  };
  if (reply && messageStillComing) {
    next.replies = state.replies.map((r) =>
      r.replyId === event.replyId ? { ...r, awaitingSeq: event.messageSeq, stopping: false } : r,
    );
  } else if (reply) {
    next.replies = state.replies.filter((r) => r.replyId !== event.replyId);
  }
  if (reply?.inReplyToId && personaId) next.queue = dequeue(next.queue, reply.inReplyToId, personaId, true);
  // The next in line should start now; if it does not, it was stopped (nobody says so).
  const stopped = event.outcome === 'interrupted';
  if (next.queue.length) {
    next.queue = next.queue.map((q) =>
      q.idleSince === 0 && (stopped || q.triggerId === reply?.inReplyToId) ? { ...q, idleSince: now } : q,
    );
  }

  if (stored) return next; // the message says it (status "stopped" when stopped)
  const who = participantName(state, personaId) || 'A persona';
  const outcome = outcomeText(who, event, state.stoppedByYou.includes(event.replyId));
  if (!outcome) return next;
  if (reply?.inReplyToId && personaId) {
    // Kept by asking message and persona, so the note survives a reload.
    return { ...next, outcomes: rememberOutcome(next.outcomes, outcomeKey(reply.inReplyToId, personaId), outcome) };
  }
  return addNote(next, outcome.text, outcome.tone, now);
}

// ---------------------------------------------------------------- selectors

export interface AnswerNote {
  key: string;
  personaId: string;
  text: string;
  tone: 'muted' | 'error';
}

/**
 * Notes to show after the answers to each asking message: how an answer that
 * left no message ended, or (from history alone, e.g. after a reload) that a
 * persona asked did not answer. Keyed by the asking message's id.
 */
export function answerNotes(state: RoomState): Map<string, AnswerNote[]> {
  const out = new Map<string, AnswerNote[]>();
  const messages = new Map<string, Message>();
  const answered = new Set<string>();
  for (const item of state.timeline) {
    if (item.kind !== 'message') continue;
    const m = item.message;
    messages.set(m.id, m);
    if (m.authorKind === 'persona' && m.replyToId) answered.add(outcomeKey(m.replyToId, m.authorId));
  }
  const busy = new Set<string>();
  for (const r of state.replies) busy.add(outcomeKey(r.inReplyToId, r.personaId));
  for (const q of state.queue) for (const id of q.personaIds) busy.add(outcomeKey(q.triggerId, id));
  const names = new Map(state.participants.map((p) => [p.id, p.name]));
  for (const m of messages.values()) {
    if (m.authorKind === 'persona') continue;
    const asked = personasAsked(m, state.participants, (id) => messages.get(id));
    const notes: AnswerNote[] = [];
    for (const personaId of asked) {
      const key = outcomeKey(m.id, personaId);
      if (answered.has(key) || busy.has(key)) continue;
      const known = state.outcomes[key];
      notes.push({
        key,
        personaId,
        text: known?.text ?? `${names.get(personaId) ?? 'A persona'} did not answer`,
        tone: known?.tone ?? 'muted',
      });
    }
    if (notes.length) out.set(m.id, notes);
  }
  return out;
}

/** What a reply with no text yet is waiting for, in words. */
export function replyActivity(state: RoomState, reply: StreamingReply): string {
  if (reply.awaitingSeq > 0) return 'finishing…';
  if (reply.stopping) return 'stopping…';
  if (reply.text) return 'writing…';
  const i = state.replies.indexOf(reply);
  const ahead = state.replies.slice(0, i).find((r) => r.awaitingSeq === 0 && r.personaId !== reply.personaId);
  if (ahead) return `waiting for ${participantName(state, ahead.personaId) || 'another reply'} to finish…`;
  return 'reading the room…';
}

/** Personas waiting their turn, in order, with the message that asked them. */
export function waitingTurns(state: RoomState): { triggerId: string; names: string[] }[] {
  return state.queue.map((q) => ({
    triggerId: q.triggerId,
    names: q.personaIds.map((id) => participantName(state, id) || 'a persona'),
  }));
}
