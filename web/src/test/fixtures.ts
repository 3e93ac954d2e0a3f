/** Builders for tests: app-model events and welcomes with sensible defaults. */
import type { Message, Participant, RoomEvent, Welcome } from '../api/models';

export const ROOM = 'room-1';

export function human(id: string, name: string): Participant {
  return { id, kind: 'human', name, title: '', persona: null, joinedAtMs: 1 };
}

export function persona(id: string, name: string, title = ''): Participant {
  return {
    id,
    kind: 'persona',
    name,
    title,
    persona: { name, title, systemPrompt: '', model: '', voice: '' },
    joinedAtMs: 1,
  };
}

export const ME = human('p-me', 'Me');
export const BOB = human('p-bob', 'Bob');
export const ADA = persona('p-ada', 'Ada', 'Mathematician');

export function welcome(over: Partial<Welcome> = {}): Welcome {
  return {
    room: {
      id: ROOM,
      name: 'Lounge',
      description: 'A room',
      participants: [ME, BOB, ADA],
      lastSeq: 0,
      createdAtMs: 1,
    },
    you: ME,
    participantToken: 'ptok',
    replayAfterSeq: 0,
    backlogTruncated: false,
    onlineParticipantIds: [ME.id],
    activeReplies: [],
    ...over,
  };
}

export function msg(over: Partial<Message> = {}): Message {
  return {
    id: 'm-1',
    authorId: BOB.id,
    authorName: BOB.name,
    authorKind: 'human',
    text: 'hello',
    replyToId: '',
    mentionIds: [],
    clientMsgId: '',
    status: 'complete',
    createdAtMs: 1000,
    spoken: false,
    ...over,
  };
}

export function messageEvent(seq: number, over: Partial<Message> = {}): RoomEvent {
  return { roomId: ROOM, seq, atMs: 1000 + seq, type: 'message', message: msg({ id: `m-${seq}`, ...over }) };
}

type Body<T extends RoomEvent['type']> = Omit<Extract<RoomEvent, { type: T }>, 'roomId' | 'seq' | 'atMs' | 'type'>;

export function ephemeral<T extends RoomEvent['type']>(type: T, body: Body<T>): RoomEvent {
  return { roomId: ROOM, seq: 0, atMs: 5, type, ...body } as RoomEvent;
}

export function durable<T extends RoomEvent['type']>(seq: number, type: T, body: Body<T>): RoomEvent {
  return { roomId: ROOM, seq, atMs: 5, type, ...body } as RoomEvent;
}
