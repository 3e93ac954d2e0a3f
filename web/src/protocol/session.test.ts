import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiClient } from '../api/http';
import type { WireServerFrame } from '../api/wire';
import { ChorusStorage, MemoryStore } from '../lib/storage';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS, RoomSession, TYPING_THROTTLE_MS } from './session';
import type { SocketLike } from './socket';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  closed: number | null = null;
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code = 1000): void {
    this.closed = code;
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({} as Event);
  }
  receive(frame: WireServerFrame): void {
    this.onmessage?.({ data: JSON.stringify(frame) } as MessageEvent);
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' } as CloseEvent);
  }
  frames(kind: string): Record<string, unknown>[] {
    return this.sent.filter((f) => kind in f);
  }
}

const WELCOME: WireServerFrame = {
  welcome: {
    room: {
      id: 'room-1',
      name: 'Lounge',
      participants: [
        { id: 'p-me', kind: 'PARTICIPANT_KIND_HUMAN', name: 'Me' },
        { id: 'p-ada', kind: 'PARTICIPANT_KIND_PERSONA', name: 'Ada' },
      ],
      lastSeq: '7',
    },
    you: { id: 'p-me', kind: 'PARTICIPANT_KIND_HUMAN', name: 'Me' },
    participantToken: 'ptok-1',
    replayAfterSeq: '5',
    onlineParticipantIds: ['p-me'],
  },
};

const event = (seq: number, id: string): WireServerFrame => ({
  event: {
    roomId: 'room-1',
    seq: String(seq),
    message: { id, authorId: 'p-ada', authorName: 'Ada', authorKind: 'PARTICIPANT_KIND_PERSONA', text: 'hi' },
  },
});

describe('RoomSession', () => {
  let sockets: FakeSocket[];
  let storage: ChorusStorage;
  let getRoom: ReturnType<typeof vi.fn<ApiClient['getRoom']>>;
  let session: RoomSession;

  const last = () => sockets[sockets.length - 1]!;

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    storage = new ChorusStorage(new MemoryStore());
    storage.setDisplayName('room-1', 'Me');
    getRoom = vi.fn<ApiClient['getRoom']>().mockResolvedValue({} as Awaited<ReturnType<ApiClient['getRoom']>>);
    session = new RoomSession({
      roomId: 'room-1',
      inviteToken: 'inv-1',
      displayName: 'Me',
      wsUrl: 'ws://test/ws/rooms/room-1',
      storage,
      api: { getRoom, loadHistoryBefore: vi.fn<ApiClient['loadHistoryBefore']>() },
      createSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      random: () => 0.5,
    });
  });

  afterEach(() => {
    session.stop();
    vi.useRealTimers();
  });

  it('joins on open and stores the participant token from the welcome', () => {
    session.start();
    expect(session.getSnapshot().connection).toBe('connecting');
    last().open();
    expect(last().sent).toEqual([{ join: { inviteToken: 'inv-1', displayName: 'Me' } }]);
    last().receive(WELCOME);
    expect(session.getSnapshot().connection).toBe('live');
    expect(session.getSnapshot().lastSeq).toBe(5);
    expect(storage.identity('room-1')?.participantToken).toBe('ptok-1');
    expect(storage.room('room-1')).toBeNull(); // only rooms saved before are renamed
  });

  it('resumes after a drop with afterSeq and the participant token, then resends unacked sends with the same clientMsgId', async () => {
    session.start();
    last().open();
    last().receive(WELCOME);
    last().receive(event(6, 'm-6'));
    const id = session.send('  hello @Ada  ');
    expect(id).toBeTruthy();
    const first = last().frames('send');
    expect(first).toEqual([{ ref: 's1', send: { clientMsgId: id, text: 'hello @Ada' } }]);

    last().drop(1006); // before the ack
    expect(session.getSnapshot().connection).toBe('reconnecting');
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(sockets).toHaveLength(2);
    last().open();
    expect(last().sent[0]).toEqual({
      join: { inviteToken: 'inv-1', displayName: 'Me', participantToken: 'ptok-1', afterSeq: '6' },
    });
    last().receive({ welcome: { ...WELCOME.welcome, replayAfterSeq: '6' } });
    expect(last().frames('send')).toEqual(first);

    last().receive({ ack: { ref: 's1', clientMsgId: id!, messageId: 'm-7', seq: '7' } });
    last().receive(event(7, 'm-7'));
    expect(session.getSnapshot().pending).toEqual([]);
  });

  it('queues sends made while disconnected and sends them after the welcome', () => {
    session.start();
    const id = session.send('early');
    last().open();
    expect(last().frames('send')).toEqual([]);
    last().receive(WELCOME);
    expect(last().frames('send')).toEqual([{ ref: 's1', send: { clientMsgId: id, text: 'early' } }]);
  });

  it('reconnects after a slow-consumer close without checking the invite', async () => {
    session.start();
    last().open();
    last().receive(WELCOME);
    last().drop(4008);
    await vi.advanceTimersByTimeAsync(500);
    expect(sockets).toHaveLength(2);
    expect(getRoom).not.toHaveBeenCalled();
  });

  it('backs off from 0.5 s towards 8 s while it cannot get in', async () => {
    session.start();
    last().drop(1006);
    const gaps: number[] = [];
    for (let i = 0; i < 6; i++) {
      const before = sockets.length;
      let waited = 0;
      while (sockets.length === before) {
        await vi.advanceTimersByTimeAsync(100);
        waited += 100;
      }
      gaps.push(waited);
      last().drop(1006);
    }
    expect(gaps).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
  });

  it('ends the session when the invite turns out to be bad', async () => {
    getRoom.mockRejectedValue(new ApiError(403, 'ERROR_CODE_BAD_INVITE', 'Invalid invite'));
    session.start();
    last().drop(1008); // refused before any welcome
    await vi.advanceTimersByTimeAsync(10_000);
    expect(getRoom).toHaveBeenCalled();
    expect(session.getSnapshot().fatal?.code).toBe('ERROR_CODE_BAD_INVITE');
    expect(sockets).toHaveLength(1);
  });

  it('stops for good on a fatal error frame', async () => {
    session.start();
    last().open();
    last().receive({ error: { code: 'ERROR_CODE_UNKNOWN_ROOM', message: 'No such room', fatal: true } });
    expect(session.getSnapshot().fatal?.message).toBe('No such room');
    expect(last().closed).toBe(1000);
    last().drop(1000);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(sockets).toHaveLength(1);
  });

  it('throttles typing hints to one per 3 s', async () => {
    session.start();
    last().open();
    last().receive(WELCOME);
    session.notifyTyping();
    session.notifyTyping();
    expect(last().frames('typing')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(TYPING_THROTTLE_MS);
    session.notifyTyping();
    expect(last().frames('typing')).toHaveLength(2);
  });

  it('sends interrupts for one reply or all of them', () => {
    session.start();
    last().open();
    last().receive(WELCOME);
    session.interrupt('r1');
    session.interrupt();
    expect(last().frames('interrupt').map((f) => f.interrupt)).toEqual([{ replyId: 'r1' }, {}]);
  });

  it('closes the socket on stop and does not come back', async () => {
    session.start();
    last().open();
    session.stop();
    expect(last().closed).toBe(1000);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(sockets).toHaveLength(1);
  });

  it('goes offline at once on the browser offline event, and resumes by seq when back', async () => {
    const win = new EventTarget();
    vi.stubGlobal('addEventListener', win.addEventListener.bind(win));
    vi.stubGlobal('removeEventListener', win.removeEventListener.bind(win));
    vi.stubGlobal('dispatchEvent', win.dispatchEvent.bind(win));
    session.start();
    last().open();
    last().receive(WELCOME);
    last().receive(event(6, 'm-6'));
    const first = last();
    globalThis.dispatchEvent(new Event('offline'));
    expect(session.getSnapshot().connection).toBe('offline');
    expect(first.closed).not.toBeNull();
    const id = session.send('while offline');
    expect(session.getSnapshot().pending.map((p) => p.clientMsgId)).toEqual([id]);
    globalThis.dispatchEvent(new Event('online'));
    expect(sockets.length).toBe(2);
    last().open();
    expect(last().sent[0]).toMatchObject({ join: { participantToken: 'ptok-1', afterSeq: '6' } });
    last().receive({ ...WELCOME, welcome: { ...WELCOME.welcome, replayAfterSeq: '6' } });
    expect(session.getSnapshot().connection).toBe('live');
    expect(last().frames('send')).toHaveLength(1);
    session.stop();
    vi.unstubAllGlobals();
  });

  it('drops a connection that stays silent past the heartbeat timeout', async () => {
    session.start();
    last().open();
    last().receive(WELCOME);
    const first = last();
    await vi.advanceTimersByTimeAsync(HEARTBEAT_INTERVAL_MS);
    expect(first.frames('ping').length).toBeGreaterThan(0);
    await vi.advanceTimersByTimeAsync(HEARTBEAT_TIMEOUT_MS + HEARTBEAT_INTERVAL_MS);
    expect(first.closed).not.toBeNull();
    expect(session.getSnapshot().connection).toBe('reconnecting');
  });

  it('keeps how answers ended across sessions (decline notes survive a reload)', () => {
    storage.setOutcomes('room-1', { 'm-1|p-ada': { text: 'Ada chose not to answer', tone: 'muted' } });
    const again = new RoomSession({
      roomId: 'room-1',
      inviteToken: 'inv-1',
      displayName: 'Me',
      wsUrl: 'ws://x',
      storage,
      api: { getRoom, loadHistoryBefore: vi.fn<ApiClient['loadHistoryBefore']>() },
      createSocket: (url) => new FakeSocket(url),
    });
    expect(again.getSnapshot().outcomes['m-1|p-ada']?.text).toBe('Ada chose not to answer');
  });

  it('sends a rate-limited message again after retryAfterMs, with the same clientMsgId', async () => {
    session.start();
    last().open();
    last().receive(WELCOME);
    const id = session.send('too fast');
    const first = last().frames('send')[0] as { ref: string; send: { clientMsgId: string } };
    expect(first.send.clientMsgId).toBe(id);
    last().receive({ error: { code: 'ERROR_CODE_RATE_LIMITED', ref: first.ref, message: 'slow down', retryAfterMs: 500 } });
    expect(session.getSnapshot().pending[0]?.status).toBe('sending');
    expect(session.getSnapshot().notices).toEqual([]);
    await vi.advanceTimersByTimeAsync(499);
    expect(last().frames('send')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(last().frames('send')).toEqual([first, first]);
  });
});
