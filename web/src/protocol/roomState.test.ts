import { describe, expect, it } from 'vitest';
import type { ProtocolError, RoomEvent } from '../api/models';
import { ADA, BOB, ME, ROOM, durable, ephemeral, human, messageEvent, welcome } from '../test/fixtures';
import {
  endsSession,
  historyCursor,
  initialRoomState,
  liveReplies,
  roomReducer,
  unackedSends,
  type RoomAction,
  type RoomState,
} from './roomState';

function run(state: RoomState, ...actions: RoomAction[]): RoomState {
  return actions.reduce(roomReducer, state);
}

const ev = (event: RoomEvent, now = 0): RoomAction => ({ type: 'event', event, now });

function joined(replayAfterSeq = 10, extra: Parameters<typeof welcome>[0] = {}): RoomState {
  return run(initialRoomState(ROOM), { type: 'welcome', welcome: welcome({ replayAfterSeq, ...extra }), now: 0 });
}

function seqs(state: RoomState): number[] {
  return state.timeline.filter((i) => i.kind !== 'note').map((i) => i.seq);
}

function err(over: Partial<ProtocolError>): ProtocolError {
  return { code: 'ERROR_CODE_INTERNAL', message: '', ref: '', retryable: false, fatal: false, ...over };
}

const TIMING = {
  receivedAtMs: 1,
  modelStartAtMs: 2,
  firstTokenAtMs: 3,
  doneAtMs: 4,
  promptTokens: 10,
  promptTokensCached: 8,
  completionTokens: 2,
};

describe('welcome', () => {
  it('takes the room, you, presence and the backlog start from the first welcome', () => {
    const s = joined(40, { backlogTruncated: true, onlineParticipantIds: [BOB.id] });
    expect(s.joined).toBe(true);
    expect(s.connection).toBe('live');
    expect(s.name).toBe('Lounge');
    expect(s.you?.id).toBe(ME.id);
    expect(s.participants.map((p) => p.name)).toEqual(['Me', 'Bob', 'Ada']);
    expect(s.online).toEqual({ [BOB.id]: true, [ME.id]: true });
    expect(s.lastSeq).toBe(40);
    expect(s.hasMoreBefore).toBe(true);
    expect(s.timeline).toEqual([]);
  });

  it('has nothing earlier to load in a new room', () => {
    expect(joined(0).hasMoreBefore).toBe(false);
  });

  it('restores replies that are streaming right now', () => {
    const s = joined(3, {
      activeReplies: [{ replyId: 'r1', personaId: ADA.id, inReplyToId: 'm-3', text: 'Half a tho' }],
    });
    expect(s.replies).toHaveLength(1);
    expect(s.replies[0]).toMatchObject({ replyId: 'r1', personaId: ADA.id, text: 'Half a tho', awaitingSeq: 0 });
  });
});

describe('durable events', () => {
  it('applies them in seq order and advances lastSeq', () => {
    const s = run(joined(10), ev(messageEvent(11)), ev(messageEvent(12)), ev(messageEvent(13)));
    expect(seqs(s)).toEqual([11, 12, 13]);
    expect(s.lastSeq).toBe(13);
    expect(s.oldestSeq).toBe(11);
  });

  it('applies each seq exactly once and ignores anything at or below lastSeq', () => {
    const s1 = run(joined(10), ev(messageEvent(11)), ev(messageEvent(12)));
    const s2 = run(s1, ev(messageEvent(12)), ev(messageEvent(11)), ev(messageEvent(5)));
    expect(s2).toBe(s1); // untouched, same object
    expect(seqs(s2)).toEqual([11, 12]);
  });

  it('keeps lastSeq for ephemeral events', () => {
    const s = run(
      joined(10),
      ev(messageEvent(11)),
      ev(ephemeral('presence', { participantId: BOB.id, online: false })),
    );
    expect(s.lastSeq).toBe(11);
    expect(s.online[BOB.id]).toBeUndefined();
  });

  it('tracks membership and room changes', () => {
    const carol = human('p-carol', 'Carol');
    let s = run(joined(10), ev(durable(11, 'participantJoined', { participant: carol })));
    expect(s.participants.map((p) => p.id)).toContain(carol.id);
    s = run(s, ev(durable(12, 'participantUpdated', { participant: { ...ADA, title: 'Poet' } })));
    expect(s.participants.find((p) => p.id === ADA.id)?.title).toBe('Poet');
    s = run(s, ev(durable(13, 'participantRemoved', { participantId: ADA.id })));
    expect(s.participants.find((p) => p.id === ADA.id)).toBeUndefined();
    s = run(s, ev(durable(14, 'roomUpdated', { name: 'Den', description: 'new' })));
    expect([s.name, s.description]).toEqual(['Den', 'new']);
    const lines = s.timeline.map((i) => (i.kind === 'system' ? i.text : ''));
    expect(lines).toEqual(['Carol joined', 'Ada was updated', 'Ada left the room', 'The room is now called “Den”']);
  });
});

describe('streaming replies', () => {
  const started = ephemeral('replyStarted', { replyId: 'r1', personaId: ADA.id, inReplyToId: 'm-11', depth: 0 });
  const delta = (text: string) => ephemeral('replyDelta', { replyId: 'r1', text });

  it('appends deltas to the streaming text', () => {
    const s = run(joined(10), ev(started), ev(delta('Hel')), ev(delta('lo, ')), ev(delta('Bob')));
    expect(s.replies).toHaveLength(1);
    expect(s.replies[0]!.text).toBe('Hello, Bob');
    expect(s.lastSeq).toBe(10);
    expect(liveReplies(s)).toHaveLength(1);
  });

  it('replaces the stream with the final message (id == replyId)', () => {
    const final = messageEvent(11, { id: 'r1', authorId: ADA.id, authorName: 'Ada', authorKind: 'persona', text: 'Hello, Bob' });
    let s = run(joined(10), ev(started), ev(delta('Hello, Bob')), ev(final));
    expect(s.replies).toEqual([]);
    expect(s.timeline).toHaveLength(1);
    expect(s.timeline[0]).toMatchObject({ kind: 'message', seq: 11, message: { id: 'r1', text: 'Hello, Bob' } });
    // Late ephemeral events for a finished reply do not resurrect it.
    s = run(s, ev(delta(' again')), ev(started));
    expect(s.replies).toEqual([]);
  });

  it('keeps the bubble when ReplyEnded overtakes the stored message', () => {
    const ended = ephemeral('replyEnded', {
      replyId: 'r1',
      personaId: ADA.id,
      outcome: 'completed',
      error: null,
      messageSeq: 11,
      timing: null,
      reason: '',
    });
    let s = run(joined(10), ev(started), ev(delta('Hi')), ev(ended));
    expect(s.replies).toHaveLength(1);
    expect(s.replies[0]!.awaitingSeq).toBe(11);
    expect(liveReplies(s)).toEqual([]);
    s = run(s, ev(messageEvent(11, { id: 'r1', authorId: ADA.id, authorKind: 'persona', text: 'Hi' })));
    expect(s.replies).toEqual([]);
    expect(seqs(s)).toEqual([11]);
  });

  it('drops the bubble when its message already arrived', () => {
    const s = run(
      joined(10),
      ev(started),
      ev(messageEvent(11, { id: 'r1', authorId: ADA.id, authorKind: 'persona' })),
      ev(
        ephemeral('replyEnded', {
          replyId: 'r1',
          personaId: ADA.id,
          outcome: 'completed',
          error: null,
          messageSeq: 11,
          timing: { ...TIMING },
          reason: '',
        }),
      ),
    );
    expect(s.replies).toEqual([]);
    expect(s.timeline.filter((i) => i.kind === 'note')).toEqual([]);
    expect(s.replyTimings['r1']).toEqual(TIMING);
  });

  it('notes declined, failed and empty interrupted replies quietly', () => {
    const end = (replyId: string, outcome: 'declined' | 'failed' | 'interrupted', message = '') =>
      ev(
        ephemeral('replyEnded', {
          replyId,
          personaId: ADA.id,
          outcome,
          error: message ? err({ code: 'ERROR_CODE_MODEL_FAILED', message }) : null,
          messageSeq: 0,
          timing: null,
          reason: '',
        }),
      );
    const start = (replyId: string) =>
      ev(ephemeral('replyStarted', { replyId, personaId: ADA.id, inReplyToId: '', depth: 0 }));
    const s = run(
      joined(10),
      start('a'),
      end('a', 'declined'),
      start('b'),
      end('b', 'failed', 'model timed out'),
      start('c'),
      end('c', 'interrupted'),
    );
    expect(s.replies).toEqual([]);
    const notes = s.timeline.flatMap((i) => (i.kind === 'note' ? [[i.text, i.tone]] : []));
    expect(notes).toEqual([
      ['Ada chose not to answer', 'muted'],
      ['Ada could not answer: model timed out', 'error'],
      ['Ada was stopped before saying anything', 'muted'],
    ]);
  });

  it('marks replies as stopping, one or all', () => {
    const s1 = run(
      joined(10),
      ev(started),
      ev(ephemeral('replyStarted', { replyId: 'r2', personaId: ADA.id, inReplyToId: '', depth: 1 })),
    );
    expect(run(s1, { type: 'replyStopping', replyId: 'r2' }).replies.map((r) => r.stopping)).toEqual([false, true]);
    expect(run(s1, { type: 'replyStopping', replyId: '' }).replies.map((r) => r.stopping)).toEqual([true, true]);
  });

  it('shows a delta whose start it never saw', () => {
    const s = run(joined(10), ev(ephemeral('replyDelta', { replyId: 'rx', text: 'orphan' })));
    expect(s.replies[0]).toMatchObject({ replyId: 'rx', text: 'orphan' });
  });
});

describe('resume bookkeeping', () => {
  it('keeps the timeline when the backlog continues from lastSeq', () => {
    const before = run(joined(10), ev(messageEvent(11)), ev(messageEvent(12)));
    const after = run(
      before,
      { type: 'connection', state: 'reconnecting' },
      { type: 'welcome', welcome: welcome({ replayAfterSeq: 12 }), now: 0 },
      ev(messageEvent(12)), // replayed twice by mistake: ignored
      ev(messageEvent(13)),
    );
    expect(seqs(after)).toEqual([11, 12, 13]);
    expect(after.lastSeq).toBe(13);
    expect(after.timelineEpoch).toBe(before.timelineEpoch);
    expect(after.connection).toBe('live');
  });

  it('starts over when the server capped the backlog past lastSeq', () => {
    const before = run(joined(10), ev(messageEvent(11)));
    const after = run(before, {
      type: 'welcome',
      welcome: welcome({ replayAfterSeq: 500, backlogTruncated: true }),
      now: 0,
    });
    expect(after.timeline).toEqual([]);
    expect(after.lastSeq).toBe(500);
    expect(after.hasMoreBefore).toBe(true);
    expect(after.timelineEpoch).toBe(before.timelineEpoch + 1);
  });

  it('replaces the streaming replies with the welcome’s list', () => {
    const before = run(
      joined(10),
      ev(ephemeral('replyStarted', { replyId: 'gone', personaId: ADA.id, inReplyToId: '', depth: 0 })),
    );
    const after = run(before, { type: 'welcome', welcome: welcome({ replayAfterSeq: 10 }), now: 0 });
    expect(after.replies).toEqual([]);
  });
});

describe('pending sends', () => {
  const queued = (clientMsgId: string, ref = 's1'): RoomAction => ({
    type: 'sendQueued',
    clientMsgId,
    ref,
    text: 'hi @Ada',
    replyToId: '',
    now: 1,
  });

  it('stay unacked, with their clientMsgId, across reconnects until acked', () => {
    let s = run(joined(10), queued('c1'));
    expect(unackedSends(s).map((p) => p.clientMsgId)).toEqual(['c1']);
    // The socket drops before the ack; after the next welcome it is still to be resent, same id.
    s = run(s, { type: 'connection', state: 'reconnecting' }, { type: 'welcome', welcome: welcome({ replayAfterSeq: 10 }), now: 0 });
    expect(unackedSends(s)).toMatchObject([{ clientMsgId: 'c1', ref: 's1', text: 'hi @Ada' }]);
    // Queuing the same id twice does not duplicate it.
    expect(run(s, queued('c1')).pending).toHaveLength(1);
  });

  it('is acked, then removed when its message arrives', () => {
    let s = run(joined(10), queued('c1'), {
      type: 'ack',
      ack: { ref: 's1', clientMsgId: 'c1', messageId: 'm-11', seq: 11, duplicate: false },
    });
    expect(s.pending[0]).toMatchObject({ status: 'acked', ackSeq: 11 });
    expect(unackedSends(s)).toEqual([]);
    s = run(s, ev(messageEvent(11, { authorId: ME.id, authorName: 'Me', clientMsgId: 'c1' })));
    expect(s.pending).toEqual([]);
  });

  it('is removed when the ack comes after the message', () => {
    let s = run(joined(10), queued('c1'), ev(messageEvent(11, { authorId: ME.id, clientMsgId: 'c1' })));
    expect(s.pending).toEqual([]);
    s = run(s, { type: 'ack', ack: { ref: 's1', clientMsgId: 'c1', messageId: 'm-11', seq: 11, duplicate: true } });
    expect(s.pending).toEqual([]);
  });

  it('drops acked sends a restarted timeline will never replay', () => {
    const s = run(
      joined(10),
      queued('c1'),
      { type: 'ack', ack: { ref: 's1', clientMsgId: 'c1', messageId: 'm-11', seq: 11, duplicate: false } },
      { type: 'welcome', welcome: welcome({ replayAfterSeq: 300 }), now: 0 },
    );
    expect(s.pending).toEqual([]);
  });

  it('fails on an error answering its ref, shows a notice, and can be retried', () => {
    let s = run(
      joined(10),
      queued('c1', 's7'),
      { type: 'error', error: err({ code: 'ERROR_CODE_UNKNOWN_MENTION', message: 'No one called @bob here', ref: 's7' }) },
    );
    expect(s.pending[0]).toMatchObject({ status: 'failed', error: 'No one called @bob here' });
    expect(unackedSends(s)).toEqual([]);
    expect(s.notices.map((n) => [n.code, n.text])).toEqual([['ERROR_CODE_UNKNOWN_MENTION', 'No one called @bob here']]);
    s = run(s, { type: 'pendingRetry', clientMsgId: 'c1' });
    expect(unackedSends(s).map((p) => p.clientMsgId)).toEqual(['c1']);
    s = run(s, { type: 'pendingDiscarded', clientMsgId: 'c1' });
    expect(s.pending).toEqual([]);
  });
});

describe('errors', () => {
  it('ends the session on fatal errors that cannot be retried', () => {
    const s = run(joined(10), { type: 'error', error: err({ code: 'ERROR_CODE_BAD_INVITE', fatal: true }) });
    expect(s.fatal?.code).toBe('ERROR_CODE_BAD_INVITE');
    expect(s.connection).toBe('offline');
    // Nothing revives it.
    expect(run(s, { type: 'connection', state: 'reconnecting' }).connection).toBe('offline');
  });

  it('does not end the session for a slow consumer', () => {
    const slow = err({ code: 'ERROR_CODE_SLOW_CONSUMER', fatal: true });
    expect(endsSession(slow)).toBe(false);
    const s = run(joined(10), { type: 'error', error: slow });
    expect(s.fatal).toBeNull();
    expect(s.notices).toEqual([]);
  });

  it('keeps a bounded list of dismissable notices', () => {
    let s = joined(10);
    for (let i = 0; i < 8; i++) s = run(s, { type: 'error', error: err({ message: `e${i}` }) });
    expect(s.notices.map((n) => n.text)).toEqual(['e3', 'e4', 'e5', 'e6', 'e7']);
    s = run(s, { type: 'noticeDismissed', id: s.notices[0]!.id });
    expect(s.notices).toHaveLength(4);
  });
});

describe('history', () => {
  it('prepends older events, deduplicated, and tracks the cursor', () => {
    let s = run(joined(50), ev(messageEvent(51)), ev(messageEvent(52)));
    expect(historyCursor(s)).toBe(51);
    s = run(s, { type: 'historyLoading' }, {
      type: 'historyLoaded',
      epoch: s.timelineEpoch,
      page: { events: [messageEvent(49), messageEvent(50), messageEvent(51), messageEvent(50)], hasMore: true },
    });
    expect(seqs(s)).toEqual([49, 50, 51, 52]);
    expect(s.loadingHistory).toBe(false);
    expect(s.hasMoreBefore).toBe(true);
    expect(historyCursor(s)).toBe(49);
    expect(s.lastSeq).toBe(52);
  });

  it('knows when the beginning is reached', () => {
    const s = run(joined(2), ev(messageEvent(3)), {
      type: 'historyLoaded',
      epoch: 1,
      page: { events: [messageEvent(1), messageEvent(2)], hasMore: false },
    });
    expect(seqs(s)).toEqual([1, 2, 3]);
    expect(s.hasMoreBefore).toBe(false);
  });

  it('drops a page that belongs to a timeline since restarted', () => {
    const s0 = run(joined(50), { type: 'historyLoading' });
    const s = run(s0, {
      type: 'historyLoaded',
      epoch: s0.timelineEpoch - 1,
      page: { events: [messageEvent(40)], hasMore: true },
    });
    expect(s.timeline).toEqual([]);
    expect(s.loadingHistory).toBe(false);
  });

  it('asks for everything before lastSeq + 1 when it holds nothing yet', () => {
    expect(historyCursor(joined(50))).toBe(51);
  });
});

describe('presence and typing', () => {
  it('shows others typing for a while, never yourself', () => {
    let s = run(
      joined(10),
      ev(ephemeral('typing', { participantId: BOB.id }), 1000),
      ev(ephemeral('typing', { participantId: ME.id }), 1000),
    );
    expect(Object.keys(s.typing)).toEqual([BOB.id]);
    expect(run(s, { type: 'typingExpired', now: 2000 })).toBe(s);
    s = run(s, { type: 'typingExpired', now: 7000 });
    expect(s.typing).toEqual({});
  });

  it('clears the typing hint when that person’s message arrives', () => {
    const s = run(joined(10), ev(ephemeral('typing', { participantId: BOB.id }), 1000), ev(messageEvent(11)));
    expect(s.typing).toEqual({});
  });

  it('tracks who is online', () => {
    let s = run(joined(10), ev(ephemeral('presence', { participantId: BOB.id, online: true })));
    expect(s.online[BOB.id]).toBe(true);
    s = run(s, ev(ephemeral('presence', { participantId: BOB.id, online: false })));
    expect(s.online[BOB.id]).toBeUndefined();
  });
});
