/** The people slice: participants, who is online, who is typing. */
import type { Participant, RoomEvent, Welcome } from '../../api/models';
import type { RoomState } from './types';

export const TYPING_HINT_MS = 5000;

export function upsertParticipant(list: Participant[], p: Participant): Participant[] {
  const i = list.findIndex((x) => x.id === p.id);
  if (i < 0) return [...list, p];
  const next = list.slice();
  next[i] = p;
  return next;
}

export function peopleFromWelcome(state: RoomState, w: Welcome): RoomState {
  const online: Record<string, true> = {};
  for (const id of w.onlineParticipantIds) online[id] = true;
  if (w.you.id) online[w.you.id] = true;
  return { ...state, participants: w.room.participants, you: w.you, online, typing: {} };
}

/** Membership changes carried by a durable event. */
export function peopleOnDurable(state: RoomState, event: RoomEvent): RoomState {
  switch (event.type) {
    case 'participantJoined':
    case 'participantUpdated': {
      const p = event.participant;
      return {
        ...state,
        participants: upsertParticipant(state.participants, p),
        you: state.you && p.id === state.you.id ? p : state.you,
      };
    }
    case 'participantRemoved': {
      const id = event.participantId;
      const next = { ...state, participants: state.participants.filter((p) => p.id !== id) };
      if (state.online[id]) {
        const online = { ...state.online };
        delete online[id];
        next.online = online;
      }
      return next;
    }
    case 'message': {
      const authorId = event.message.authorId;
      if (state.typing[authorId] === undefined) return state;
      const typing = { ...state.typing };
      delete typing[authorId];
      return { ...state, typing };
    }
    default:
      return state;
  }
}

export function presence(state: RoomState, id: string, isOnline: boolean): RoomState {
  if (!id || Boolean(state.online[id]) === isOnline) return state;
  const online = { ...state.online };
  if (isOnline) online[id] = true;
  else delete online[id];
  return { ...state, online };
}

export function typing(state: RoomState, id: string, now: number): RoomState {
  if (!id || id === state.you?.id) return state;
  return { ...state, typing: { ...state.typing, [id]: now + TYPING_HINT_MS } };
}

export function typingExpired(state: RoomState, now: number): RoomState {
  const entries = Object.entries(state.typing);
  const kept = entries.filter(([, until]) => until > now);
  if (kept.length === entries.length) return state;
  return { ...state, typing: Object.fromEntries(kept) };
}
