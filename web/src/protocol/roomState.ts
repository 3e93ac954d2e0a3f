/**
 * The state of one room as this client sees it, and the pure reducer that
 * moves it forward. Everything the server says goes through `roomReducer`;
 * the socket and timers live in `session.ts`, the pixels in components/.
 *
 * Rules it keeps (see DESIGN.md, "Durable first, then live"):
 * - Durable events (seq > 0) are applied in seq order exactly once: a seq at
 *   or below `lastSeq` is ignored. `lastSeq` is what a reconnect resumes from.
 * - Ephemeral events (seq 0) are applied as they come.
 * - A persona's final message has id == replyId and replaces its stream.
 * - Sends stay pending, with their clientMsgId, until acked and seen; the
 *   session resends every pending send that has no ack after each Welcome.
 */
import type {
  Ack,
  HistoryPage,
  Message,
  Participant,
  ProtocolError,
  RoomEvent,
  Welcome,
} from '../api/models';
import { rememberTiming, type ReplyTimings } from './replyTimings';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface StreamingReply {
  replyId: string;
  personaId: string;
  inReplyToId: string;
  depth: number;
  text: string;
  /** A Stop was sent for it. */
  stopping: boolean;
  /**
   * Seq of its stored message when ReplyEnded came before that message:
   * the bubble stays until the message replaces it. 0 while streaming.
   */
  awaitingSeq: number;
}

export type PendingStatus = 'sending' | 'acked' | 'failed';

export interface PendingSend {
  clientMsgId: string;
  ref: string;
  text: string;
  replyToId: string;
  createdAtMs: number;
  status: PendingStatus;
  /** From the Ack. */
  ackSeq: number;
  messageId: string;
  /** Why it failed (status 'failed'). */
  error: string;
}

export type TimelineItem =
  | { kind: 'message'; key: string; seq: number; message: Message }
  /** A durable membership or room change, shown as a quiet line. */
  | { kind: 'system'; key: string; seq: number; atMs: number; text: string }
  /** An ephemeral outcome (declined, failed, stopped), anchored after `seq`. */
  | { kind: 'note'; key: string; seq: number; atMs: number; text: string; tone: 'muted' | 'error' };

export interface Notice {
  id: number;
  code: string;
  text: string;
  tone: 'error' | 'info';
}

export interface RoomState {
  roomId: string;
  name: string;
  description: string;
  participants: Participant[];
  you: Participant | null;
  online: Readonly<Record<string, true>>;
  /** A Welcome has been received at least once. */
  joined: boolean;
  /** Seq of the newest durable event applied. */
  lastSeq: number;
  /** Seq of the oldest durable event held; 0 when none. */
  oldestSeq: number;
  timeline: TimelineItem[];
  /** Bumped whenever the timeline is rebuilt, so stale history pages are dropped. */
  timelineEpoch: number;
  hasMoreBefore: boolean;
  loadingHistory: boolean;
  replies: StreamingReply[];
  /** Replies that ended or were replaced by their message (bounded). */
  finishedReplyIds: string[];
  /** Timing detail of the newest ended replies, by reply (= message) id. */
  replyTimings: ReplyTimings;
  pending: PendingSend[];
  /** participantId → local time (ms) the typing hint expires. */
  typing: Readonly<Record<string, number>>;
  connection: ConnectionState;
  notices: Notice[];
  nextNoticeId: number;
  nextNoteId: number;
  fatal: ProtocolError | null;
}

export type RoomAction =
  | { type: 'connection'; state: ConnectionState }
  | { type: 'welcome'; welcome: Welcome; now: number }
  | { type: 'event'; event: RoomEvent; now: number }
  | { type: 'ack'; ack: Ack }
  | { type: 'error'; error: ProtocolError }
  | {
      type: 'sendQueued';
      clientMsgId: string;
      ref: string;
      text: string;
      replyToId: string;
      now: number;
    }
  | { type: 'pendingRetry'; clientMsgId: string }
  | { type: 'pendingDiscarded'; clientMsgId: string }
  | { type: 'replyStopping'; replyId: string }
  | { type: 'historyLoading' }
  | { type: 'historyLoaded'; epoch: number; page: HistoryPage }
  | { type: 'historyFailed'; message: string }
  | { type: 'typingExpired'; now: number }
  | { type: 'notice'; text: string; tone: 'error' | 'info'; code?: string }
  | { type: 'noticeDismissed'; id: number }
  | { type: 'fatal'; error: ProtocolError };

export const TYPING_HINT_MS = 5000;
const MAX_FINISHED_REPLIES = 500;
const MAX_NOTICES = 5;

export function initialRoomState(roomId: string): RoomState {
  return {
    roomId,
    name: '',
    description: '',
    participants: [],
    you: null,
    online: {},
    joined: false,
    lastSeq: 0,
    oldestSeq: 0,
    timeline: [],
    timelineEpoch: 0,
    hasMoreBefore: false,
    loadingHistory: false,
    replies: [],
    finishedReplyIds: [],
    replyTimings: {},
    pending: [],
    typing: {},
    connection: 'connecting',
    notices: [],
    nextNoticeId: 1,
    nextNoteId: 1,
    fatal: null,
  };
}

// ---------------------------------------------------------------- selectors

/** Sends to (re)transmit: everything pending that has no ack and did not fail. */
export function unackedSends(state: RoomState): PendingSend[] {
  return state.pending.filter((p) => p.status === 'sending');
}

/** `before_seq` for the next "Load earlier" page. */
export function historyCursor(state: RoomState): number {
  return state.oldestSeq || state.lastSeq + 1;
}

export function participantName(state: RoomState, id: string): string {
  return state.participants.find((p) => p.id === id)?.name ?? '';
}

/** Replies still streaming (not the ones only waiting for their message). */
export function liveReplies(state: RoomState): StreamingReply[] {
  return state.replies.filter((r) => r.awaitingSeq === 0);
}

// ---------------------------------------------------------------- helpers

/** Errors that end the session: retrying with the same invite cannot help. */
export function endsSession(error: ProtocolError): boolean {
  return error.fatal && !error.retryable && error.code !== 'ERROR_CODE_SLOW_CONSUMER';
}

function addNotice(
  state: RoomState,
  text: string,
  tone: 'error' | 'info',
  code = '',
): RoomState {
  const notice: Notice = { id: state.nextNoticeId, code, text, tone };
  return {
    ...state,
    notices: [...state.notices, notice].slice(-MAX_NOTICES),
    nextNoticeId: state.nextNoticeId + 1,
  };
}

function addNote(
  state: RoomState,
  text: string,
  tone: 'muted' | 'error',
  atMs: number,
): RoomState {
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

function markFinished(state: RoomState, replyId: string): string[] {
  if (!replyId || state.finishedReplyIds.includes(replyId)) return state.finishedReplyIds;
  return [...state.finishedReplyIds, replyId].slice(-MAX_FINISHED_REPLIES);
}

function upsertParticipant(list: Participant[], p: Participant): Participant[] {
  const i = list.findIndex((x) => x.id === p.id);
  if (i < 0) return [...list, p];
  const next = list.slice();
  next[i] = p;
  return next;
}

function personaLabel(state: RoomState, personaId: string): string {
  return participantName(state, personaId) || 'A persona';
}

/**
 * The timeline item for a durable event, or null when it shows nothing.
 * `names` resolves ids for events (removals) that carry none.
 */
function durableItem(
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

// ---------------------------------------------------------------- reducer

export function roomReducer(state: RoomState, action: RoomAction): RoomState {
  switch (action.type) {
    case 'connection':
      if (state.connection === action.state) return state;
      if (state.fatal && action.state !== 'offline') return state;
      return { ...state, connection: action.state };

    case 'welcome':
      return applyWelcome(state, action.welcome);

    case 'event':
      return applyEvent(state, action.event, action.now);

    case 'ack':
      return applyAck(state, action.ack);

    case 'error':
      return applyError(state, action.error);

    case 'sendQueued': {
      if (state.pending.some((p) => p.clientMsgId === action.clientMsgId)) return state;
      const send: PendingSend = {
        clientMsgId: action.clientMsgId,
        ref: action.ref,
        text: action.text,
        replyToId: action.replyToId,
        createdAtMs: action.now,
        status: 'sending',
        ackSeq: 0,
        messageId: '',
        error: '',
      };
      return { ...state, pending: [...state.pending, send] };
    }

    case 'pendingRetry':
      return {
        ...state,
        pending: state.pending.map((p) =>
          p.clientMsgId === action.clientMsgId && p.status === 'failed'
            ? { ...p, status: 'sending', error: '' }
            : p,
        ),
      };

    case 'pendingDiscarded':
      return { ...state, pending: state.pending.filter((p) => p.clientMsgId !== action.clientMsgId) };

    case 'replyStopping':
      return {
        ...state,
        replies: state.replies.map((r) =>
          !action.replyId || r.replyId === action.replyId ? { ...r, stopping: true } : r,
        ),
      };

    case 'historyLoading':
      return state.loadingHistory ? state : { ...state, loadingHistory: true };

    case 'historyLoaded':
      return applyHistory(state, action.epoch, action.page);

    case 'historyFailed':
      return addNotice({ ...state, loadingHistory: false }, action.message, 'error');

    case 'typingExpired': {
      const entries = Object.entries(state.typing);
      const kept = entries.filter(([, until]) => until > action.now);
      if (kept.length === entries.length) return state;
      return { ...state, typing: Object.fromEntries(kept) };
    }

    case 'notice':
      return addNotice(state, action.text, action.tone, action.code);

    case 'noticeDismissed':
      return { ...state, notices: state.notices.filter((n) => n.id !== action.id) };

    case 'fatal':
      return { ...state, fatal: action.error, connection: 'offline' };
  }
}

function applyWelcome(state: RoomState, w: Welcome): RoomState {
  // A gap: the backlog starts after events we never saw (first join, or a
  // resume the server had to cap). Start the timeline over from there.
  const gap = !state.joined || w.replayAfterSeq > state.lastSeq;
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
  const online: Record<string, true> = {};
  for (const id of w.onlineParticipantIds) online[id] = true;
  if (w.you.id) online[w.you.id] = true;

  let next: RoomState = {
    ...state,
    name: w.room.name,
    description: w.room.description,
    participants: w.room.participants,
    you: w.you,
    online,
    joined: true,
    replies,
    typing: {},
    connection: 'live',
  };
  if (gap) {
    next = {
      ...next,
      lastSeq: w.replayAfterSeq,
      oldestSeq: 0,
      timeline: [],
      timelineEpoch: state.timelineEpoch + 1,
      hasMoreBefore: w.replayAfterSeq > 0 || w.backlogTruncated,
      loadingHistory: false,
    };
  }
  // Acked sends at or below lastSeq will never be replayed: their message is
  // already shown, or lies before the (restarted) timeline.
  next.pending = next.pending.filter((p) => !(p.status === 'acked' && p.ackSeq <= next.lastSeq));
  return next;
}

function applyEvent(state: RoomState, event: RoomEvent, now: number): RoomState {
  if (event.seq > 0) {
    if (event.seq <= state.lastSeq) return state; // already applied
    return applyDurable(state, event);
  }
  return applyEphemeral(state, event, now);
}

function applyDurable(state: RoomState, event: RoomEvent): RoomState {
  const item = durableItem(event, (id) => participantName(state, id), state.name);
  let next: RoomState = {
    ...state,
    lastSeq: event.seq,
    oldestSeq: state.oldestSeq ? Math.min(state.oldestSeq, event.seq) : event.seq,
    timeline: item ? [...state.timeline, item] : state.timeline,
  };
  if (next.oldestSeq === 1) next.hasMoreBefore = false;

  switch (event.type) {
    case 'message': {
      const m = event.message;
      next.replies = state.replies.filter((r) => r.replyId !== m.id);
      if (next.replies.length !== state.replies.length) {
        next.finishedReplyIds = markFinished(state, m.id);
      }
      if (m.clientMsgId) {
        next.pending = state.pending.filter((p) => p.clientMsgId !== m.clientMsgId);
      }
      next.pending = next.pending.filter((p) => !(p.status === 'acked' && p.messageId === m.id));
      if (state.typing[m.authorId] !== undefined) {
        const typing = { ...state.typing };
        delete typing[m.authorId];
        next.typing = typing;
      }
      break;
    }
    case 'participantJoined':
    case 'participantUpdated': {
      const p = event.participant;
      next.participants = upsertParticipant(state.participants, p);
      if (state.you && p.id === state.you.id) next.you = p;
      break;
    }
    case 'participantRemoved': {
      const id = event.participantId;
      next.participants = state.participants.filter((p) => p.id !== id);
      if (state.online[id]) {
        const online = { ...state.online };
        delete online[id];
        next.online = online;
      }
      break;
    }
    case 'roomUpdated':
      next.name = event.name;
      next.description = event.description;
      break;
    default:
      break;
  }
  // An acked send whose seq has now been passed is in the timeline (or never will be).
  if (next.pending.some((p) => p.status === 'acked' && p.ackSeq > 0 && p.ackSeq <= next.lastSeq)) {
    next.pending = next.pending.filter((p) => !(p.status === 'acked' && p.ackSeq > 0 && p.ackSeq <= next.lastSeq));
  }
  return next;
}

function applyEphemeral(state: RoomState, event: RoomEvent, now: number): RoomState {
  switch (event.type) {
    case 'replyStarted': {
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
      };
    }

    case 'replyDelta': {
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

    case 'replyEnded':
      return applyReplyEnded(state, event, now);

    case 'presence': {
      const id = event.participantId;
      if (!id || Boolean(state.online[id]) === event.online) return state;
      const online = { ...state.online };
      if (event.online) online[id] = true;
      else delete online[id];
      return { ...state, online };
    }

    case 'typing': {
      const id = event.participantId;
      if (!id || id === state.you?.id) return state;
      return { ...state, typing: { ...state.typing, [id]: now + TYPING_HINT_MS } };
    }

    default:
      return state;
  }
}

function applyReplyEnded(
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

  const who = personaLabel(state, personaId);
  const at = now;
  switch (event.outcome) {
    case 'declined':
      next = addNote(next, `${who} chose not to answer`, 'muted', at);
      break;
    case 'failed': {
      const why = event.error?.message;
      next = addNote(next, `${who} could not answer${why ? `: ${why}` : ''}`, 'error', at);
      break;
    }
    case 'interrupted':
      if (!stored) next = addNote(next, `${who} was stopped`, 'muted', at);
      break;
    default:
      break;
  }
  return next;
}

function applyAck(state: RoomState, ack: Ack): RoomState {
  const p = state.pending.find(
    (x) => (ack.clientMsgId && x.clientMsgId === ack.clientMsgId) || (!ack.clientMsgId && ack.ref && x.ref === ack.ref),
  );
  if (!p) return state;
  const seen =
    (ack.seq > 0 && ack.seq <= state.lastSeq) ||
    state.timeline.some((i) => i.kind === 'message' && i.message.id === ack.messageId && ack.messageId !== '');
  if (seen) {
    return { ...state, pending: state.pending.filter((x) => x !== p) };
  }
  return {
    ...state,
    pending: state.pending.map((x) =>
      x === p ? { ...x, status: 'acked', ackSeq: ack.seq, messageId: ack.messageId, error: '' } : x,
    ),
  };
}

function applyError(state: RoomState, error: ProtocolError): RoomState {
  if (endsSession(error)) {
    return { ...state, fatal: error, connection: 'offline' };
  }
  let next = state;
  if (error.ref) {
    const p = state.pending.find((x) => x.ref === error.ref);
    if (p && p.status === 'sending') {
      next = {
        ...state,
        pending: state.pending.map((x) =>
          x === p ? { ...x, status: 'failed', error: error.message || 'Not sent' } : x,
        ),
      };
    }
  }
  if (error.code === 'ERROR_CODE_SLOW_CONSUMER') return next; // the session reconnects quietly
  return addNotice(next, error.message || humanizeCode(error.code), 'error', error.code);
}

function applyHistory(state: RoomState, epoch: number, page: HistoryPage): RoomState {
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
  // Notes anchored before the oldest durable item keep their place after the new items.
  return {
    ...state,
    timeline: [...items, ...state.timeline],
    oldestSeq: oldest,
    hasMoreBefore,
    loadingHistory: false,
  };
}

export function humanizeCode(code: string): string {
  const words = code.replace(/^ERROR_CODE_/, '').toLowerCase().replace(/_/g, ' ');
  return words ? words[0]!.toUpperCase() + words.slice(1) : 'Something went wrong';
}
