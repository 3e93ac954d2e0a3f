/**
 * The room as this client sees it, moved forward by one pure reducer.
 * Everything the server says goes through `roomReducer`; the socket and
 * timers live in `session.ts`, the pixels in components/. Each slice has its
 * own module in `state/` (connection, timeline, people, replies, sends);
 * this file only routes actions to them and re-exports their API.
 *
 * Rules it keeps (see DESIGN.md, "Durable first, then live"):
 * - Durable events (seq > 0) are applied in seq order exactly once: a seq at
 *   or below `lastSeq` is ignored. `lastSeq` is what a reconnect resumes from.
 * - Ephemeral events (seq 0) are applied as they come.
 * - A persona's final message has id == replyId and replaces its stream.
 * - Sends stay pending, with their clientMsgId, until acked and seen; the
 *   session resends every pending send that has no ack after each Welcome.
 */
import type { RoomEvent, Welcome } from '../api/models';
import {
  addNotice,
  dismissNotice,
  endSession,
  endsSession,
  humanizeCode,
  setConnection,
} from './state/connection';
import { peopleFromWelcome, peopleOnDurable, presence, typing, typingExpired } from './state/people';
import {
  queueExpired,
  replyDelta,
  replyEnded,
  replyStarted,
  replyStopping,
  repliesFromWelcome,
  repliesOnMessage,
} from './state/replies';
import {
  applyAck,
  discardSend,
  dropPassedSends,
  failSend,
  queueSend,
  rateLimitedSend,
  retrySend,
  sendsOnMessage,
} from './state/sends';
import { appendDurable, applyHistory, historyLoading, restartTimeline } from './state/timeline';
import type { RoomAction, RoomState } from './state/types';

export * from './state/types';
export { endsSession, humanizeCode } from './state/connection';
export { TYPING_HINT_MS } from './state/people';
export {
  QUEUE_IDLE_MS,
  answerNotes,
  liveReplies,
  mentionsEveryone,
  outcomeKey,
  personasAsked,
  replyActivity,
  waitingTurns,
  type AnswerNote,
} from './state/replies';
export { rateLimitedSend, unackedSends } from './state/sends';
export { historyCursor } from './state/timeline';

export function roomReducer(state: RoomState, action: RoomAction): RoomState {
  switch (action.type) {
    case 'connection':
      return setConnection(state, action.state);
    case 'welcome':
      return applyWelcome(state, action.welcome);
    case 'event':
      return applyEvent(state, action.event, action.now);
    case 'ack':
      return applyAck(state, action.ack);
    case 'error': {
      if (endsSession(action.error)) return endSession(state, action.error);
      if (action.error.code === 'ERROR_CODE_RATE_LIMITED' && rateLimitedSend(state, action.error)) {
        return state; // still pending: the session sends it again after retryAfterMs
      }
      const next = failSend(state, action.error);
      if (action.error.code === 'ERROR_CODE_SLOW_CONSUMER') return next; // the session reconnects quietly
      return addNotice(next, action.error.message || humanizeCode(action.error.code), 'error', action.error.code);
    }
    case 'sendQueued':
      return queueSend(state, action);
    case 'pendingRetry':
      return retrySend(state, action.clientMsgId);
    case 'pendingDiscarded':
      return discardSend(state, action.clientMsgId);
    case 'replyStopping':
      return replyStopping(state, action.replyId);
    case 'historyLoading':
      return historyLoading(state);
    case 'historyLoaded':
      return applyHistory(state, action.epoch, action.page);
    case 'historyFailed':
      return addNotice({ ...state, loadingHistory: false }, action.message, 'error');
    case 'typingExpired':
      return typingExpired(state, action.now);
    case 'queueExpired':
      return queueExpired(state, action.now);
    case 'notice':
      return addNotice(state, action.text, action.tone, action.code);
    case 'noticeDismissed':
      return dismissNotice(state, action.id);
    case 'fatal':
      return endSession(state, action.error);
  }
}

function applyWelcome(state: RoomState, w: Welcome): RoomState {
  // A gap: the backlog starts after events we never saw (first join, or a
  // resume the server had to cap). Start the timeline over from there.
  const gap = !state.joined || w.replayAfterSeq > state.lastSeq;
  let next = peopleFromWelcome(state, w);
  next = repliesFromWelcome(next, w, gap);
  next = { ...next, name: w.room.name, description: w.room.description, joined: true, connection: 'live' };
  if (gap) next = restartTimeline(next, w.replayAfterSeq, w.backlogTruncated);
  // Acked sends at or below lastSeq will never be replayed: their message is
  // already shown, or lies before the (restarted) timeline.
  return dropPassedSends(next);
}

function applyEvent(state: RoomState, event: RoomEvent, now: number): RoomState {
  if (event.seq > 0) {
    if (event.seq <= state.lastSeq) return state; // already applied
    let next = appendDurable(state, event);
    next = peopleOnDurable(next, event);
    if (event.type === 'message') {
      next = repliesOnMessage(next, event.message, event.seq);
      next = sendsOnMessage(next, event.message.id, event.message.clientMsgId);
    }
    return dropPassedSends(next);
  }
  switch (event.type) {
    case 'replyStarted':
      return replyStarted(state, event);
    case 'replyDelta':
      return replyDelta(state, event);
    case 'replyEnded':
      return replyEnded(state, event, now);
    case 'presence':
      return presence(state, event.participantId, event.online);
    case 'typing':
      return typing(state, event.participantId, now);
    default:
      return state;
  }
}
