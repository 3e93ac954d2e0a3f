/**
 * The wire shapes of protos/chorus/v1/{room,chat}.proto under the protobuf
 * JSON mapping: lowerCamelCase names, enums as their names, 64-bit integers
 * as strings, and every field that holds its default value left out. Hence
 * every field here is optional; `normalize.ts` turns these into the app's
 * models, where a missing field reads as its default.
 *
 * Keep this file a transcription of the .proto files: when the schema
 * changes, change it here first.
 */

/** int64/uint64 in the JSON mapping: a string (parsers also accept numbers). */
export type Int64 = string | number;

export type ParticipantKindName =
  | 'PARTICIPANT_KIND_UNSPECIFIED'
  | 'PARTICIPANT_KIND_HUMAN'
  | 'PARTICIPANT_KIND_PERSONA';

export type MessageStatusName =
  | 'MESSAGE_STATUS_UNSPECIFIED'
  | 'MESSAGE_STATUS_COMPLETE'
  | 'MESSAGE_STATUS_INTERRUPTED'
  | 'MESSAGE_STATUS_TRUNCATED';

export type ReplyOutcomeName =
  | 'REPLY_OUTCOME_UNSPECIFIED'
  | 'REPLY_OUTCOME_COMPLETED'
  | 'REPLY_OUTCOME_INTERRUPTED'
  | 'REPLY_OUTCOME_DECLINED'
  | 'REPLY_OUTCOME_FAILED';

export type ErrorCodeName =
  | 'ERROR_CODE_UNSPECIFIED'
  | 'ERROR_CODE_BAD_FRAME'
  | 'ERROR_CODE_UNKNOWN_FRAME'
  | 'ERROR_CODE_TOO_LARGE'
  | 'ERROR_CODE_UNKNOWN_ROOM'
  | 'ERROR_CODE_BAD_INVITE'
  | 'ERROR_CODE_NOT_JOINED'
  | 'ERROR_CODE_ALREADY_JOINED'
  | 'ERROR_CODE_INVALID_ARGUMENT'
  | 'ERROR_CODE_UNKNOWN_MENTION'
  | 'ERROR_CODE_UNKNOWN_REPLY'
  | 'ERROR_CODE_MODEL_FAILED'
  | 'ERROR_CODE_MODEL_TIMEOUT'
  | 'ERROR_CODE_RATE_LIMITED'
  | 'ERROR_CODE_SLOW_CONSUMER'
  | 'ERROR_CODE_UNAVAILABLE'
  | 'ERROR_CODE_INTERNAL'
  | 'ERROR_CODE_FORBIDDEN';

// ------------------------------------------------------------- chat.proto

export interface WireGenerationSettings {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  stop?: string[];
  seed?: number;
}

export interface WireModelInfo {
  id?: string;
  displayName?: string;
  provider?: string;
  contextSize?: number;
  defaults?: WireGenerationSettings;
  available?: boolean;
  unavailableReason?: string;
}

export interface WireListModelsResponse {
  models?: WireModelInfo[];
  defaultModel?: string;
}

// ------------------------------------------------------------- room.proto

export interface WirePersonaSpec {
  name?: string;
  title?: string;
  systemPrompt?: string;
  model?: string;
  generation?: WireGenerationSettings;
  voice?: string;
}

export interface WireParticipant {
  id?: string;
  kind?: ParticipantKindName | number;
  name?: string;
  title?: string;
  persona?: WirePersonaSpec;
  joinedAtMs?: Int64;
}

export interface WireRoom {
  id?: string;
  name?: string;
  description?: string;
  participants?: WireParticipant[];
  lastSeq?: Int64;
  createdAtMs?: Int64;
}

export interface WireRoomCredentials {
  inviteToken?: string;
  ownerToken?: string;
}

export interface WireCreateRoomRequest {
  name: string;
  description?: string;
  personas: WirePersonaSpec[];
}

export interface WireCreateRoomResponse {
  room?: WireRoom;
  inviteToken?: string;
  ownerToken?: string;
}

export interface WireRoomKey {
  roomId: string;
  credentials: WireRoomCredentials;
}

export interface WireRoomSummary {
  id?: string;
  name?: string;
  description?: string;
  lastSeq?: Int64;
  personaCount?: number;
  lastActivityMs?: Int64;
  owner?: boolean;
}

export interface WireListRoomsResponse {
  rooms?: WireRoomSummary[];
}

export interface WireLoadHistoryResponse {
  events?: WireRoomEvent[];
  hasMore?: boolean;
}

export interface WireMessage {
  id?: string;
  authorId?: string;
  authorName?: string;
  authorKind?: ParticipantKindName | number;
  text?: string;
  replyToId?: string;
  mentionIds?: string[];
  clientMsgId?: string;
  status?: MessageStatusName | number;
  createdAtMs?: Int64;
  spoken?: boolean;
}

export interface WireError {
  code?: ErrorCodeName | number;
  message?: string;
  ref?: string;
  retryable?: boolean;
  fatal?: boolean;
  /** For RATE_LIMITED (newer servers): try again after this long. */
  retryAfterMs?: number;
}

export interface WireRoomEvent {
  roomId?: string;
  seq?: Int64;
  atMs?: Int64;
  message?: WireMessage;
  participantJoined?: WireParticipant;
  participantUpdated?: WireParticipant;
  participantRemoved?: { participantId?: string };
  roomUpdated?: { name?: string; description?: string };
  replyStarted?: { replyId?: string; personaId?: string; inReplyToId?: string; depth?: number };
  replyDelta?: { replyId?: string; text?: string };
  replyEnded?: {
    replyId?: string;
    personaId?: string;
    outcome?: ReplyOutcomeName | number;
    error?: WireError;
    messageSeq?: Int64;
    timing?: WireReplyTiming;
    reason?: string;
  };
  presence?: { participantId?: string; online?: boolean };
  typing?: { participantId?: string };
}

export interface WireReplyTiming {
  receivedAtMs?: Int64;
  modelStartAtMs?: Int64;
  firstTokenAtMs?: Int64;
  doneAtMs?: Int64;
  promptTokens?: number;
  promptTokensCached?: number;
  completionTokens?: number;
}

export interface WireActiveReply {
  replyId?: string;
  personaId?: string;
  inReplyToId?: string;
  text?: string;
}

export interface WireWelcome {
  room?: WireRoom;
  you?: WireParticipant;
  participantToken?: string;
  replayAfterSeq?: Int64;
  backlogTruncated?: boolean;
  onlineParticipantIds?: string[];
  activeReplies?: WireActiveReply[];
}

export interface WireAck {
  ref?: string;
  clientMsgId?: string;
  messageId?: string;
  seq?: Int64;
  duplicate?: boolean;
}

export interface WireServerFrame {
  welcome?: WireWelcome;
  event?: WireRoomEvent;
  ack?: WireAck;
  error?: WireError;
  pong?: Record<string, never>;
}

/** ClientFrame: `ref` plus exactly one action. */
export type WireClientFrame = { ref?: string } & (
  | {
      join: {
        inviteToken: string;
        displayName: string;
        participantToken?: string;
        afterSeq?: string;
      };
    }
  | { send: { clientMsgId: string; text: string; replyToId?: string } }
  | { interrupt: { replyId?: string } }
  | { typing: Record<string, never> }
  | { ping: Record<string, never> }
);

export interface WireListPresetsResponse {
  personas?: { id?: string; description?: string; persona?: WirePersonaSpec }[];
  templates?: { id?: string; name?: string; description?: string; personaPresetIds?: string[] }[];
}
