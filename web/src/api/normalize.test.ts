import { describe, expect, it } from 'vitest';
import { parseServerFrame, roomEvent, welcome } from './normalize';

describe('normalize', () => {
  it('reads missing fields as defaults and int64 strings as numbers', () => {
    const e = roomEvent({ seq: '42', atMs: '1700000000000', message: { id: 'm1', text: 'hi' } });
    expect(e).toEqual({
      roomId: '',
      seq: 42,
      atMs: 1700000000000,
      type: 'message',
      message: {
        id: 'm1',
        authorId: '',
        authorName: '',
        authorKind: 'unspecified',
        text: 'hi',
        replyToId: '',
        mentionIds: [],
        clientMsgId: '',
        status: 'unspecified',
        createdAtMs: 0,
        spoken: false,
      },
    });
  });

  it('treats an event without seq as ephemeral', () => {
    expect(roomEvent({ replyDelta: { replyId: 'r', text: 'x' } })).toMatchObject({ seq: 0, type: 'replyDelta' });
    expect(roomEvent({ seq: '0', typing: {} })).toMatchObject({ seq: 0, type: 'typing', participantId: '' });
  });

  it('maps enum names (and numbers) to short names', () => {
    const ended = roomEvent({ replyEnded: { replyId: 'r', outcome: 'REPLY_OUTCOME_DECLINED' } });
    expect(ended).toMatchObject({ type: 'replyEnded', outcome: 'declined', messageSeq: 0, error: null, timing: null });
    const timed = roomEvent({
      replyEnded: { replyId: 'r', timing: { receivedAtMs: '1000', firstTokenAtMs: '1500', promptTokens: 9 } },
    });
    expect(timed).toMatchObject({
      timing: { receivedAtMs: 1000, modelStartAtMs: 0, firstTokenAtMs: 1500, promptTokens: 9, promptTokensCached: 0 },
    });
    const joined = roomEvent({ seq: '3', participantJoined: { id: 'p', kind: 2, name: 'Ada' } });
    expect(joined).toMatchObject({ type: 'participantJoined', participant: { kind: 'persona', persona: null } });
  });

  it('reads a welcome with everything omitted', () => {
    expect(welcome({})).toMatchObject({
      replayAfterSeq: 0,
      backlogTruncated: false,
      onlineParticipantIds: [],
      activeReplies: [],
      room: { participants: [], lastSeq: 0 },
    });
  });

  it('parses frames and rejects non-objects', () => {
    expect(parseServerFrame('{"pong":{}}')).toEqual({ type: 'pong' });
    expect(parseServerFrame('{"ack":{"clientMsgId":"c","seq":"9"}}')).toEqual({
      type: 'ack',
      ack: { ref: '', clientMsgId: 'c', messageId: '', seq: 9, duplicate: false },
    });
    expect(parseServerFrame('{"error":{"code":"ERROR_CODE_UNKNOWN_MENTION","message":"No one called @bob here"}}')).toEqual({
      type: 'error',
      error: { code: 'ERROR_CODE_UNKNOWN_MENTION', message: 'No one called @bob here', ref: '', retryable: false, fatal: false, retryAfterMs: 0 },
    });
    expect(parseServerFrame('nope')).toBeNull();
    expect(parseServerFrame('[1]')).toBeNull();
    expect(parseServerFrame('{"future":{}}')).toEqual({ type: 'unknown' });
  });
});
