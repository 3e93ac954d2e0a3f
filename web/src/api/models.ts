/**
 * The app's own view of the schema: every field present, defaults filled in,
 * 64-bit integers as numbers (seqs and timestamps stay far below 2^53), and
 * enums shortened. Built from the wire shapes by `normalize.ts`.
 */

export type ParticipantKind = 'human' | 'persona' | 'unspecified';
export type MessageStatus = 'complete' | 'interrupted' | 'truncated' | 'unspecified';
export type ReplyOutcome = 'completed' | 'interrupted' | 'declined' | 'failed' | 'unspecified';

export interface GenerationSettings {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  stop?: string[];
  seed?: number;
}

export interface PersonaSpec {
  name: string;
  title: string;
  systemPrompt: string;
  model: string;
  voice: string;
  generation?: GenerationSettings;
}

export interface Participant {
  id: string;
  kind: ParticipantKind;
  name: string;
  title: string;
  persona: PersonaSpec | null;
  joinedAtMs: number;
}

export interface RoomInfo {
  id: string;
  name: string;
  description: string;
  participants: Participant[];
  lastSeq: number;
  createdAtMs: number;
}

export interface Message {
  id: string;
  authorId: string;
  authorName: string;
  authorKind: ParticipantKind;
  text: string;
  replyToId: string;
  mentionIds: string[];
  clientMsgId: string;
  status: MessageStatus;
  createdAtMs: number;
  /** Said aloud (push-to-talk), then transcribed. */
  spoken: boolean;
}

export interface ProtocolError {
  /** The ErrorCode name, e.g. "ERROR_CODE_BAD_INVITE". */
  code: string;
  message: string;
  ref: string;
  retryable: boolean;
  fatal: boolean;
  /** For RATE_LIMITED: resend after this long (0 when the server does not say). */
  retryAfterMs?: number;
}

/** Where a persona reply's time went (epoch ms on the server's clock; 0 = not reached). */
export interface ReplyTiming {
  receivedAtMs: number;
  modelStartAtMs: number;
  firstTokenAtMs: number;
  doneAtMs: number;
  promptTokens: number;
  /** Of promptTokens, how many the model reused instead of reading again. */
  promptTokensCached: number;
  completionTokens: number;
}

export type EventBody =
  | { type: 'message'; message: Message }
  | { type: 'participantJoined'; participant: Participant }
  | { type: 'participantUpdated'; participant: Participant }
  | { type: 'participantRemoved'; participantId: string }
  | { type: 'roomUpdated'; name: string; description: string }
  | { type: 'replyStarted'; replyId: string; personaId: string; inReplyToId: string; depth: number }
  | { type: 'replyDelta'; replyId: string; text: string }
  | {
      type: 'replyEnded';
      replyId: string;
      personaId: string;
      outcome: ReplyOutcome;
      error: ProtocolError | null;
      messageSeq: number;
      timing: ReplyTiming | null;
      /** For a declined reply: why, in a few words, when the room knows. */
      reason: string;
    }
  | { type: 'presence'; participantId: string; online: boolean }
  | { type: 'typing'; participantId: string }
  | { type: 'unknown' };

export type RoomEvent = {
  roomId: string;
  /** 0 for ephemeral events. */
  seq: number;
  atMs: number;
} & EventBody;

export interface ActiveReplySnapshot {
  replyId: string;
  personaId: string;
  inReplyToId: string;
  text: string;
}

export interface Welcome {
  room: RoomInfo;
  you: Participant;
  participantToken: string;
  replayAfterSeq: number;
  backlogTruncated: boolean;
  onlineParticipantIds: string[];
  activeReplies: ActiveReplySnapshot[];
}

export interface Ack {
  ref: string;
  clientMsgId: string;
  messageId: string;
  seq: number;
  duplicate: boolean;
}

export type ServerFrame =
  | { type: 'welcome'; welcome: Welcome }
  | { type: 'event'; event: RoomEvent }
  | { type: 'ack'; ack: Ack }
  | { type: 'error'; error: ProtocolError }
  | { type: 'pong' }
  | { type: 'unknown' };

export interface ModelInfo {
  id: string;
  displayName: string;
  provider: string;
  contextSize: number;
  available: boolean;
  unavailableReason: string;
}

/** A persona to start from (GET /api/presets). */
export interface PersonaPreset {
  id: string;
  description: string;
  persona: PersonaSpec;
}

export interface ModelList {
  models: ModelInfo[];
  defaultModel: string;
}

export interface RoomSummary {
  id: string;
  name: string;
  description: string;
  lastSeq: number;
  personaCount: number;
  lastActivityMs: number;
  owner: boolean;
}

export interface CreatedRoom {
  room: RoomInfo;
  inviteToken: string;
  ownerToken: string;
}

export interface HistoryPage {
  events: RoomEvent[];
  hasMore: boolean;
}

/** A voice personas may speak with (GET /api/voices). */
export interface VoiceOption {
  id: string;
  displayName: string;
  description: string;
  available: boolean;
}
