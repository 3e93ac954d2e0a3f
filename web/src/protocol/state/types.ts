/**
 * The state of one room as this client sees it. Each slice of it has its own
 * pure reducer module beside this file (connection, timeline, people,
 * replies, sends); `../roomState.ts` composes them into `roomReducer`.
 */
import type { Ack, HistoryPage, Message, Participant, ProtocolError, RoomEvent, Welcome } from '../../api/models';
import type { ReplyTimings } from '../replyTimings';

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

/** Personas asked by one message who have not started yet, in the order they answer. */
export interface QueuedTurn {
  triggerId: string;
  personaIds: string[];
  /**
   * Local time a reply ended with this turn still waiting (the next should
   * start at once); 0 while it is fine. Stopped turns are never announced,
   * so a turn idle for QUEUE_IDLE_MS is dropped.
   */
  idleSince: number;
}

/** How a persona's answer to one message ended when it left no message. */
export interface AnswerOutcome {
  text: string;
  tone: 'muted' | 'error';
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
  /** The room's lastSeq when the newest Welcome came: later events are live. */
  welcomeSeq: number;
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
  /** Personas asked by a live message, still waiting for their turn. */
  queue: QueuedTurn[];
  /** `${triggerId}|${personaId}` → how an answer that left no message ended (bounded). */
  outcomes: Readonly<Record<string, AnswerOutcome>>;
  /** Replies this client asked to stop (bounded). */
  stoppedByYou: string[];
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
  | { type: 'queueExpired'; now: number }
  | { type: 'notice'; text: string; tone: 'error' | 'info'; code?: string }
  | { type: 'noticeDismissed'; id: number }
  | { type: 'fatal'; error: ProtocolError };

export type DurableEvent = RoomEvent;

export function initialRoomState(roomId: string, outcomes: Record<string, AnswerOutcome> = {}): RoomState {
  return {
    roomId,
    name: '',
    description: '',
    participants: [],
    you: null,
    online: {},
    joined: false,
    welcomeSeq: 0,
    lastSeq: 0,
    oldestSeq: 0,
    timeline: [],
    timelineEpoch: 0,
    hasMoreBefore: false,
    loadingHistory: false,
    replies: [],
    queue: [],
    outcomes,
    stoppedByYou: [],
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

export function participantName(state: RoomState, id: string): string {
  return state.participants.find((p) => p.id === id)?.name ?? '';
}
