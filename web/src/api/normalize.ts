/**
 * Wire (protobuf JSON) → app models. A missing field is its default; enums
 * arrive as names (or, tolerated, as numbers); int64s as strings.
 */
import type {
  Ack,
  CreatedRoom,
  PersonaPreset,
  HistoryPage,
  Message,
  MessageStatus,
  ModelList,
  Participant,
  ParticipantKind,
  PersonaSpec,
  ProtocolError,
  ReplyOutcome,
  ReplyTiming,
  RoomEvent,
  RoomInfo,
  RoomSummary,
  ServerFrame,
  Welcome,
} from './models';
import type {
  Int64,
  WireListPresetsResponse,
  WireAck,
  WireCreateRoomResponse,
  WireError,
  WireListModelsResponse,
  WireLoadHistoryResponse,
  WireMessage,
  WireParticipant,
  WirePersonaSpec,
  WireRoom,
  WireReplyTiming,
  WireRoomEvent,
  WireRoomSummary,
  WireServerFrame,
  WireWelcome,
} from './wire';

export function int64(value: Int64 | undefined | null): number {
  if (value === undefined || value === null || value === '') return 0;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

function enumName(value: string | number | undefined, names: readonly string[]): string {
  if (typeof value === 'number') return names[value] ?? names[0]!;
  return value ?? names[0]!;
}

const PARTICIPANT_KINDS = [
  'PARTICIPANT_KIND_UNSPECIFIED',
  'PARTICIPANT_KIND_HUMAN',
  'PARTICIPANT_KIND_PERSONA',
] as const;

export function participantKind(value: string | number | undefined): ParticipantKind {
  switch (enumName(value, PARTICIPANT_KINDS)) {
    case 'PARTICIPANT_KIND_HUMAN':
      return 'human';
    case 'PARTICIPANT_KIND_PERSONA':
      return 'persona';
    default:
      return 'unspecified';
  }
}

const MESSAGE_STATUSES = [
  'MESSAGE_STATUS_UNSPECIFIED',
  'MESSAGE_STATUS_COMPLETE',
  'MESSAGE_STATUS_INTERRUPTED',
  'MESSAGE_STATUS_TRUNCATED',
] as const;

function messageStatus(value: string | number | undefined): MessageStatus {
  switch (enumName(value, MESSAGE_STATUSES)) {
    case 'MESSAGE_STATUS_COMPLETE':
      return 'complete';
    case 'MESSAGE_STATUS_INTERRUPTED':
      return 'interrupted';
    case 'MESSAGE_STATUS_TRUNCATED':
      return 'truncated';
    default:
      return 'unspecified';
  }
}

const REPLY_OUTCOMES = [
  'REPLY_OUTCOME_UNSPECIFIED',
  'REPLY_OUTCOME_COMPLETED',
  'REPLY_OUTCOME_INTERRUPTED',
  'REPLY_OUTCOME_DECLINED',
  'REPLY_OUTCOME_FAILED',
] as const;

function replyOutcome(value: string | number | undefined): ReplyOutcome {
  switch (enumName(value, REPLY_OUTCOMES)) {
    case 'REPLY_OUTCOME_COMPLETED':
      return 'completed';
    case 'REPLY_OUTCOME_INTERRUPTED':
      return 'interrupted';
    case 'REPLY_OUTCOME_DECLINED':
      return 'declined';
    case 'REPLY_OUTCOME_FAILED':
      return 'failed';
    default:
      return 'unspecified';
  }
}

/** ErrorCode values in proto order, for servers that send numbers. */
const ERROR_CODES = [
  'ERROR_CODE_UNSPECIFIED',
  'ERROR_CODE_BAD_FRAME',
  'ERROR_CODE_UNKNOWN_FRAME',
  'ERROR_CODE_TOO_LARGE',
  'ERROR_CODE_UNKNOWN_ROOM',
  'ERROR_CODE_BAD_INVITE',
  'ERROR_CODE_NOT_JOINED',
  'ERROR_CODE_ALREADY_JOINED',
  'ERROR_CODE_INVALID_ARGUMENT',
  'ERROR_CODE_UNKNOWN_MENTION',
  'ERROR_CODE_UNKNOWN_REPLY',
  'ERROR_CODE_MODEL_FAILED',
  'ERROR_CODE_MODEL_TIMEOUT',
  'ERROR_CODE_RATE_LIMITED',
  'ERROR_CODE_SLOW_CONSUMER',
  'ERROR_CODE_UNAVAILABLE',
  'ERROR_CODE_INTERNAL',
  'ERROR_CODE_FORBIDDEN',
] as const;

export function replyTiming(w: WireReplyTiming): ReplyTiming {
  return {
    receivedAtMs: int64(w.receivedAtMs),
    modelStartAtMs: int64(w.modelStartAtMs),
    firstTokenAtMs: int64(w.firstTokenAtMs),
    doneAtMs: int64(w.doneAtMs),
    promptTokens: w.promptTokens ?? 0,
    promptTokensCached: w.promptTokensCached ?? 0,
    completionTokens: w.completionTokens ?? 0,
  };
}

export function protocolError(w: WireError | undefined): ProtocolError {
  return {
    code: enumName(w?.code, ERROR_CODES),
    message: w?.message ?? '',
    ref: w?.ref ?? '',
    retryable: w?.retryable ?? false,
    fatal: w?.fatal ?? false,
    retryAfterMs: w?.retryAfterMs ?? 0,
  };
}

export function personaSpec(w: WirePersonaSpec | undefined): PersonaSpec {
  const spec: PersonaSpec = {
    name: w?.name ?? '',
    title: w?.title ?? '',
    systemPrompt: w?.systemPrompt ?? '',
    model: w?.model ?? '',
    voice: w?.voice ?? '',
  };
  if (w?.generation) spec.generation = w.generation;
  return spec;
}

export function participant(w: WireParticipant | undefined): Participant {
  return {
    id: w?.id ?? '',
    kind: participantKind(w?.kind),
    name: w?.name ?? '',
    title: w?.title ?? '',
    persona: w?.persona ? personaSpec(w.persona) : null,
    joinedAtMs: int64(w?.joinedAtMs),
  };
}

export function room(w: WireRoom | undefined): RoomInfo {
  return {
    id: w?.id ?? '',
    name: w?.name ?? '',
    description: w?.description ?? '',
    participants: (w?.participants ?? []).map(participant),
    lastSeq: int64(w?.lastSeq),
    createdAtMs: int64(w?.createdAtMs),
  };
}

export function message(w: WireMessage | undefined): Message {
  return {
    id: w?.id ?? '',
    authorId: w?.authorId ?? '',
    authorName: w?.authorName ?? '',
    authorKind: participantKind(w?.authorKind),
    text: w?.text ?? '',
    replyToId: w?.replyToId ?? '',
    mentionIds: w?.mentionIds ?? [],
    clientMsgId: w?.clientMsgId ?? '',
    status: messageStatus(w?.status),
    createdAtMs: int64(w?.createdAtMs),
    spoken: w?.spoken ?? false,
  };
}

export function roomEvent(w: WireRoomEvent): RoomEvent {
  const head = { roomId: w.roomId ?? '', seq: int64(w.seq), atMs: int64(w.atMs) };
  if (w.message) return { ...head, type: 'message', message: message(w.message) };
  if (w.participantJoined)
    return { ...head, type: 'participantJoined', participant: participant(w.participantJoined) };
  if (w.participantUpdated)
    return { ...head, type: 'participantUpdated', participant: participant(w.participantUpdated) };
  if (w.participantRemoved)
    return {
      ...head,
      type: 'participantRemoved',
      participantId: w.participantRemoved.participantId ?? '',
    };
  if (w.roomUpdated)
    return {
      ...head,
      type: 'roomUpdated',
      name: w.roomUpdated.name ?? '',
      description: w.roomUpdated.description ?? '',
    };
  if (w.replyStarted)
    return {
      ...head,
      type: 'replyStarted',
      replyId: w.replyStarted.replyId ?? '',
      personaId: w.replyStarted.personaId ?? '',
      inReplyToId: w.replyStarted.inReplyToId ?? '',
      depth: w.replyStarted.depth ?? 0,
    };
  if (w.replyDelta)
    return {
      ...head,
      type: 'replyDelta',
      replyId: w.replyDelta.replyId ?? '',
      text: w.replyDelta.text ?? '',
    };
  if (w.replyEnded)
    return {
      ...head,
      type: 'replyEnded',
      replyId: w.replyEnded.replyId ?? '',
      personaId: w.replyEnded.personaId ?? '',
      outcome: replyOutcome(w.replyEnded.outcome),
      error: w.replyEnded.error ? protocolError(w.replyEnded.error) : null,
      messageSeq: int64(w.replyEnded.messageSeq),
      timing: w.replyEnded.timing ? replyTiming(w.replyEnded.timing) : null,
      reason: w.replyEnded.reason ?? '',
    };
  if (w.presence)
    return {
      ...head,
      type: 'presence',
      participantId: w.presence.participantId ?? '',
      online: w.presence.online ?? false,
    };
  if (w.typing)
    return { ...head, type: 'typing', participantId: w.typing.participantId ?? '' };
  return { ...head, type: 'unknown' };
}

export function welcome(w: WireWelcome): Welcome {
  return {
    room: room(w.room),
    you: participant(w.you),
    participantToken: w.participantToken ?? '',
    replayAfterSeq: int64(w.replayAfterSeq),
    backlogTruncated: w.backlogTruncated ?? false,
    onlineParticipantIds: w.onlineParticipantIds ?? [],
    activeReplies: (w.activeReplies ?? []).map((r) => ({
      replyId: r.replyId ?? '',
      personaId: r.personaId ?? '',
      inReplyToId: r.inReplyToId ?? '',
      text: r.text ?? '',
    })),
  };
}

export function ack(w: WireAck): Ack {
  return {
    ref: w.ref ?? '',
    clientMsgId: w.clientMsgId ?? '',
    messageId: w.messageId ?? '',
    seq: int64(w.seq),
    duplicate: w.duplicate ?? false,
  };
}

export function serverFrame(w: WireServerFrame): ServerFrame {
  if (w.welcome) return { type: 'welcome', welcome: welcome(w.welcome) };
  if (w.event) return { type: 'event', event: roomEvent(w.event) };
  if (w.ack) return { type: 'ack', ack: ack(w.ack) };
  if (w.error) return { type: 'error', error: protocolError(w.error) };
  if (w.pong) return { type: 'pong' };
  return { type: 'unknown' };
}

/** Parses one WebSocket text frame; null when it is not a JSON object. */
export function parseServerFrame(text: string): ServerFrame | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  return serverFrame(data as WireServerFrame);
}

export function modelList(w: WireListModelsResponse): ModelList {
  return {
    models: (w.models ?? []).map((m) => ({
      id: m.id ?? '',
      displayName: m.displayName || m.id || '',
      provider: m.provider ?? '',
      contextSize: m.contextSize ?? 0,
      available: m.available ?? false,
      unavailableReason: m.unavailableReason ?? '',
    })),
    defaultModel: w.defaultModel ?? '',
  };
}

export function roomSummary(w: WireRoomSummary): RoomSummary {
  return {
    id: w.id ?? '',
    name: w.name ?? '',
    description: w.description ?? '',
    lastSeq: int64(w.lastSeq),
    personaCount: w.personaCount ?? 0,
    lastActivityMs: int64(w.lastActivityMs),
    owner: w.owner ?? false,
  };
}

export function createdRoom(w: WireCreateRoomResponse): CreatedRoom {
  return {
    room: room(w.room),
    inviteToken: w.inviteToken ?? '',
    ownerToken: w.ownerToken ?? '',
  };
}

export function historyPage(w: WireLoadHistoryResponse): HistoryPage {
  return { events: (w.events ?? []).map(roomEvent), hasMore: w.hasMore ?? false };
}

/** App persona spec → wire, leaving out empty fields as the mapping would. */
export function wirePersonaSpec(spec: PersonaSpec): WirePersonaSpec {
  const w: WirePersonaSpec = { name: spec.name };
  if (spec.title) w.title = spec.title;
  if (spec.systemPrompt) w.systemPrompt = spec.systemPrompt;
  if (spec.model) w.model = spec.model;
  if (spec.voice) w.voice = spec.voice;
  if (spec.generation) w.generation = spec.generation;
  return w;
}

export function personaPresets(w: WireListPresetsResponse | undefined): PersonaPreset[] {
  return (w?.personas ?? [])
    .filter((p) => p.id && p.persona)
    .map((p) => ({ id: p.id ?? '', description: p.description ?? '', persona: personaSpec(p.persona) }));
}
