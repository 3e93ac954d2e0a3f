/** The sends slice: messages this client queued, until the room has them. */
import type { Ack, ProtocolError } from '../../api/models';
import type { PendingSend, RoomState } from './types';

/** Sends to (re)transmit: everything pending that has no ack and did not fail. */
export function unackedSends(state: RoomState): PendingSend[] {
  return state.pending.filter((p) => p.status === 'sending');
}

export function queueSend(
  state: RoomState,
  a: { clientMsgId: string; ref: string; text: string; replyToId: string; now: number },
): RoomState {
  if (state.pending.some((p) => p.clientMsgId === a.clientMsgId)) return state;
  const send: PendingSend = {
    clientMsgId: a.clientMsgId,
    ref: a.ref,
    text: a.text,
    replyToId: a.replyToId,
    createdAtMs: a.now,
    status: 'sending',
    ackSeq: 0,
    messageId: '',
    error: '',
  };
  return { ...state, pending: [...state.pending, send] };
}

export function retrySend(state: RoomState, clientMsgId: string): RoomState {
  return {
    ...state,
    pending: state.pending.map((p) =>
      p.clientMsgId === clientMsgId && p.status === 'failed' ? { ...p, status: 'sending', error: '' } : p,
    ),
  };
}

export function discardSend(state: RoomState, clientMsgId: string): RoomState {
  return { ...state, pending: state.pending.filter((p) => p.clientMsgId !== clientMsgId) };
}

/** Acked sends at or below lastSeq are shown already (or lie before the timeline). */
export function dropPassedSends(state: RoomState): RoomState {
  const passed = (p: PendingSend) => p.status === 'acked' && p.ackSeq > 0 && p.ackSeq <= state.lastSeq;
  if (!state.pending.some(passed)) return state;
  return { ...state, pending: state.pending.filter((p) => !passed(p)) };
}

/** A stored message may be one of ours: it is no longer pending. */
export function sendsOnMessage(state: RoomState, messageId: string, clientMsgId: string): RoomState {
  const mine = (p: PendingSend) =>
    (clientMsgId !== '' && p.clientMsgId === clientMsgId) || (p.status === 'acked' && p.messageId === messageId);
  if (!state.pending.some(mine)) return state;
  return { ...state, pending: state.pending.filter((p) => !mine(p)) };
}

export function applyAck(state: RoomState, ack: Ack): RoomState {
  const p = state.pending.find(
    (x) => (ack.clientMsgId && x.clientMsgId === ack.clientMsgId) || (!ack.clientMsgId && ack.ref && x.ref === ack.ref),
  );
  if (!p) return state;
  const seen =
    (ack.seq > 0 && ack.seq <= state.lastSeq) ||
    state.timeline.some((i) => i.kind === 'message' && i.message.id === ack.messageId && ack.messageId !== '');
  if (seen) return { ...state, pending: state.pending.filter((x) => x !== p) };
  return {
    ...state,
    pending: state.pending.map((x) =>
      x === p ? { ...x, status: 'acked', ackSeq: ack.seq, messageId: ack.messageId, error: '' } : x,
    ),
  };
}

/** An error answering a send's ref: that send failed. */
export function failSend(state: RoomState, error: ProtocolError): RoomState {
  if (!error.ref) return state;
  const p = state.pending.find((x) => x.ref === error.ref);
  if (!p || p.status !== 'sending') return state;
  return {
    ...state,
    pending: state.pending.map((x) => (x === p ? { ...x, status: 'failed', error: error.message || 'Not sent' } : x)),
  };
}

/** The pending send a RATE_LIMITED error answers (it is not stored: send it again later). */
export function rateLimitedSend(state: RoomState, error: ProtocolError): PendingSend | null {
  if (error.code !== 'ERROR_CODE_RATE_LIMITED' || !error.ref) return null;
  return state.pending.find((p) => p.ref === error.ref && p.status === 'sending') ?? null;
}
